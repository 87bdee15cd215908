#pragma once
// The report's plots, built from a record: one chart per resource (each watched process a
// series, colored by worker slot) and one of latency over time, all with the run's restart
// and chaos markers.
#include <string_view>

#include "soak/report/soak_record.h"
#include "soak/report/svg_chart.h"

namespace nmtd::soak {

// resource: "rss_mib", "gpu_mib", "fds" or "threads".
LineChart resource_chart(const SoakRecord& record, std::string_view resource);

// p50, p95 and p99 per sampling interval; intervals in which no request finished are gaps.
LineChart latency_chart(const SoakRecord& record);

bool has_gpu_readings(const SoakRecord& record);

}  // namespace nmtd::soak
