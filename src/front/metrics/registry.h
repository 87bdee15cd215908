#pragma once
// The front's metrics, rendered for Prometheus at /metrics.
//
//   MetricsRegistry metrics;
//   auto& ok = metrics.counter("nmtd_requests_total", "Requests by outcome.", {{"outcome", "ok"}});
//   ok.inc();                      // lock-free; keep the reference, it is never invalidated
//   std::string text = metrics.render();
//
// counter()/gauge()/histogram() get or create: the same name and labels (in any order) return
// the same series. A family is one name with one type, one HELP text, one set of label names and,
// for histograms, one set of bounds; anything that contradicts what a name was first registered
// with throws InvalidArgument, as do names Prometheus would refuse. Counters must be named
// `*_total`, as Prometheus and OpenMetrics expect. Nothing is ever removed, so label values must
// come from a small fixed set (outcome, reason, worker slot), never from request data.
#include <cstddef>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "front/metrics/counter_gauge.h"
#include "front/metrics/histogram.h"

namespace nmtd::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> upper_bounds, const Labels& labels = {});

  // Text exposition format 0.0.4 (serve it as `text/plain; version=0.0.4; charset=utf-8`):
  // families in registration order, series in creation order, labels sorted by name.
  std::string render() const;

  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series;
  struct Family;

  // Under mutex_: finds or creates the family, checking it against an earlier registration.
  Family& family(const std::string& name, const std::string& help, Type type,
                 const std::vector<double>& bounds, const Labels& sorted_labels);
  // Under mutex_: the series with these labels, nullptr when the family has none yet.
  static Series* find_series(Family& family, const Labels& sorted_labels);
  // Under mutex_: a new series without its value, which the caller sets.
  static Series& add_series(Family& family, const Labels& sorted_labels);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;  // registration order
  std::unordered_map<std::string, Family*> by_name_;
  // Every sample name a family may write (x_total, x_bucket...) and the family names OpenMetrics
  // derives from them, so that two families can never produce the same sample name.
  std::set<std::string> taken_names_;
};

}  // namespace nmtd::metrics
