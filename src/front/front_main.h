#pragma once
#include "front/config/front_config.h"

namespace nmtd::front {

// `nmtd serve`: runs until SIGTERM/SIGINT, then drains. Returns the process exit status; every
// exit leaves its reason as the last line of the log.
int run_front(const FrontConfig& config);

}  // namespace nmtd::front
