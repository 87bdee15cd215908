#include "front/metrics/registry.h"

#include <algorithm>
#include <map>

#include "common/error.h"
#include "common/utf8.h"
#include "front/metrics/exposition.h"

namespace nmtd::metrics {

struct MetricsRegistry::Series {
  Labels labels;           // sorted by name
  std::string label_text;  // `a="x",b="y"`, escaped, without braces
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
};

struct MetricsRegistry::Family {
  std::string name;
  std::string help;
  Type type;
  std::vector<double> bounds;                   // histograms only
  std::vector<std::string> label_names;         // sorted
  std::vector<std::unique_ptr<Series>> series;  // creation order, for a stable rendering
  std::map<Labels, Series*> index;
};

namespace {

const char* type_name(int type) {
  static constexpr const char* kNames[] = {"counter", "gauge", "histogram"};
  return kNames[type];
}

// Labels sorted by name and checked, so that {a,b} and {b,a} are one series.
Labels normalized(const std::string& metric, const Labels& labels, bool histogram) {
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const auto& [name, value] = sorted[i];
    if (!valid_label_name(name)) {
      throw InvalidArgument("metric " + metric + ": invalid label name \"" + name + "\"");
    }
    if (i > 0 && sorted[i - 1].first == name) {
      throw InvalidArgument("metric " + metric + ": label " + name + " given twice");
    }
    if (histogram && name == "le") {
      throw InvalidArgument("metric " + metric + ": label le is reserved for histogram buckets");
    }
    if (!valid_utf8(value)) {
      throw InvalidArgument("metric " + metric + ": label " + name + " is not valid UTF-8");
    }
  }
  return sorted;
}

std::string label_text(const Labels& sorted) {
  std::string out;
  for (const auto& [name, value] : sorted) {
    if (!out.empty()) out += ',';
    out += name + "=\"" + escape_label_value(value) + '"';
  }
  return out;
}

// The sample names a family writes, plus the family names OpenMetrics parsers derive from them
// (a counter x_total belongs to family x): two families sharing any of these would collide.
std::vector<std::string> names_used(const std::string& name, int type) {
  if (type == 0) {
    const std::string base = name.substr(0, name.size() - 6);  // without "_total"
    return {name, base, base + "_created"};
  }
  if (type == 1) return {name};
  return {name, name + "_bucket", name + "_sum", name + "_count", name + "_created"};
}

}  // namespace

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, const std::string& help,
                                                 Type type, const std::vector<double>& bounds,
                                                 const Labels& sorted_labels) {
  std::vector<std::string> label_names;
  for (const auto& label : sorted_labels) label_names.push_back(label.first);

  if (const auto it = by_name_.find(name); it != by_name_.end()) {
    Family& f = *it->second;
    if (f.type != type) {
      throw InvalidArgument("metric " + name + " is a " + type_name(static_cast<int>(f.type)) +
                            ", not a " + type_name(static_cast<int>(type)));
    }
    if (f.help != help) {
      throw InvalidArgument("metric " + name + " was registered with another HELP text");
    }
    if (f.bounds != bounds) {
      throw InvalidArgument("histogram " + name + " was registered with other bounds");
    }
    if (f.label_names != label_names) {
      throw InvalidArgument("metric " + name + " was registered with other label names");
    }
    return f;
  }

  if (!valid_metric_name(name)) throw InvalidArgument("invalid metric name \"" + name + "\"");
  if (type == Type::kCounter && (name.size() <= 6 || !name.ends_with("_total"))) {
    throw InvalidArgument("counter " + name + " must be named *_total");
  }
  if (!valid_utf8(help)) throw InvalidArgument("metric " + name + ": HELP is not valid UTF-8");
  const auto used = names_used(name, static_cast<int>(type));
  for (const auto& n : used) {
    if (taken_names_.contains(n)) {
      throw InvalidArgument("metric " + name + " would write samples that collide with " + n);
    }
  }
  taken_names_.insert(used.begin(), used.end());

  auto created = std::make_unique<Family>();
  created->name = name;
  created->help = help;
  created->type = type;
  created->bounds = bounds;
  created->label_names = std::move(label_names);
  families_.push_back(std::move(created));
  by_name_.emplace(name, families_.back().get());
  return *families_.back();
}

MetricsRegistry::Series& MetricsRegistry::add_series(Family& family, const Labels& sorted_labels) {
  auto series = std::make_unique<Series>();
  series->labels = sorted_labels;
  series->label_text = label_text(sorted_labels);
  family.index.emplace(sorted_labels, series.get());
  family.series.push_back(std::move(series));
  return *family.series.back();
}

MetricsRegistry::Series* MetricsRegistry::find_series(Family& family, const Labels& sorted_labels) {
  const auto it = family.index.find(sorted_labels);
  return it == family.index.end() ? nullptr : it->second;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  const Labels sorted = normalized(name, labels, false);
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, Type::kCounter, {}, sorted);
  if (Series* s = find_series(f, sorted)) return *s->counter;
  Series& created = add_series(f, sorted);
  created.counter = std::make_unique<Counter>();
  return *created.counter;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help,
                              const Labels& labels) {
  const Labels sorted = normalized(name, labels, false);
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, Type::kGauge, {}, sorted);
  if (Series* s = find_series(f, sorted)) return *s->gauge;
  Series& created = add_series(f, sorted);
  created.gauge = std::make_unique<Gauge>();
  return *created.gauge;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help,
                                      std::vector<double> upper_bounds, const Labels& labels) {
  const Labels sorted = normalized(name, labels, true);
  const std::vector<double> bounds = Histogram::checked_bounds(std::move(upper_bounds));
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, Type::kHistogram, bounds, sorted);
  if (Series* s = find_series(f, sorted)) return *s->histogram;
  Series& created = add_series(f, sorted);
  created.histogram = std::make_unique<Histogram>(bounds);
  return *created.histogram;
}

std::string MetricsRegistry::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& f : families_) {
    out += "# HELP " + f->name + ' ' + escape_help(f->help) + '\n';
    out += "# TYPE " + f->name + ' ' + type_name(static_cast<int>(f->type)) + '\n';
    for (const auto& s : f->series) {
      const std::string braces = s->label_text.empty() ? "" : '{' + s->label_text + '}';
      if (f->type == Type::kCounter) {
        out += f->name + braces + ' ' + format_value(s->counter->value()) + '\n';
        continue;
      }
      if (f->type == Type::kGauge) {
        out += f->name + braces + ' ' + format_value(s->gauge->value()) + '\n';
        continue;
      }
      // One snapshot of the buckets: the +Inf bucket and _count come from it, so they agree.
      const Histogram& h = *s->histogram;
      const auto counts = h.cumulative_counts();
      const std::string prefix = s->label_text.empty() ? "{" : '{' + s->label_text + ',';
      for (std::size_t i = 0; i < counts.size(); ++i) {
        const std::string le = i < f->bounds.size() ? format_value(f->bounds[i]) : "+Inf";
        out +=
            f->name + "_bucket" + prefix + "le=\"" + le + "\"} " + std::to_string(counts[i]) + '\n';
      }
      out += f->name + "_sum" + braces + ' ' + format_value(h.sum()) + '\n';
      out += f->name + "_count" + braces + ' ' + std::to_string(counts.back()) + '\n';
    }
  }
  return out;
}

}  // namespace nmtd::metrics
