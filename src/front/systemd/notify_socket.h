#pragma once
// One datagram to a systemd notification socket, as sd_notify(3) sends it, without libsystemd.
#include <string_view>
#include <system_error>

namespace nmtd::systemd {

// Sends `message` to the unix datagram socket at `socket_path`: a filesystem path ("/run/...")
// or, when it starts with '@', a name in the abstract namespace. Never blocks and never
// throws: the error (no such socket, queue full, path too long, not a unix path) is returned.
std::error_code send_datagram(std::string_view socket_path, std::string_view message);

}  // namespace nmtd::systemd
