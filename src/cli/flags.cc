#include "cli/flags.h"

#include <cstdio>
#include <sstream>

#include "common/error.h"

namespace nmtd::cli {

Flags& Flags::value(const std::string& name, std::string help, std::optional<std::string> def) {
  order_.push_back(name);
  specs_[name] = Spec{std::move(help), true, std::move(def)};
  return *this;
}

Flags& Flags::toggle(const std::string& name, std::string help) {
  order_.push_back(name);
  specs_[name] = Spec{std::move(help), false, std::nullopt};
  return *this;
}

bool Flags::parse(const Args& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(usage().c_str(), stdout);
      return false;
    }
    if (a == "--") {  // everything after it is text, even when it starts with "--"
      positional_.insert(positional_.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                         args.end());
      break;
    }
    if (a.rfind("--", 0) != 0) {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto it = specs_.find(name);
    if (it == specs_.end())
      throw InvalidArgument("unknown flag --" + name + " (see nmtd " + command_ + " --help)");
    if (!it->second.takes_value) {
      if (inline_value) throw InvalidArgument("flag --" + name + " takes no value");
      switches_[name] = true;
      continue;
    }
    if (inline_value) {
      values_[name] = *inline_value;
    } else {
      if (i + 1 >= args.size()) throw InvalidArgument("flag --" + name + " needs a value");
      values_[name] = args[++i];
    }
  }
  return true;
}

bool Flags::has(const std::string& name) const {
  if (values_.count(name)) return true;
  auto it = specs_.find(name);
  return it != specs_.end() && it->second.def.has_value();
}

std::optional<std::string> Flags::get_optional(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  if (auto it = specs_.find(name); it != specs_.end()) return it->second.def;
  return std::nullopt;
}

std::string Flags::get(const std::string& name) const {
  auto v = get_optional(name);
  if (!v) throw InvalidArgument("missing required flag --" + name + " (see nmtd " + command_ + " --help)");
  return *v;
}

int Flags::get_int(const std::string& name) const {
  const std::string v = get(name);
  try {
    std::size_t used = 0;
    const long long x = std::stoll(v, &used);
    if (used != v.size() || x < INT32_MIN || x > INT32_MAX) throw std::invalid_argument(v);
    return static_cast<int>(x);
  } catch (const std::exception&) {
    throw InvalidArgument("flag --" + name + " expects an integer, got '" + v + "'");
  }
}

double Flags::get_double(const std::string& name) const {
  const std::string v = get(name);
  try {
    std::size_t used = 0;
    const double x = std::stod(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    return x;
  } catch (const std::exception&) {
    throw InvalidArgument("flag --" + name + " expects a number, got '" + v + "'");
  }
}

std::string Flags::usage() const {
  std::ostringstream out;
  out << "Usage: nmtd " << command_ << " " << usage_ << "\n\nOptions:\n";
  for (const auto& name : order_) {
    const Spec& s = specs_.at(name);
    std::string left = "  --" + name + (s.takes_value ? " VALUE" : "");
    if (left.size() < 28) left.resize(28, ' ');
    out << left << " " << s.help;
    if (s.def) out << " (default: " << *s.def << ")";
    out << "\n";
  }
  out << "  --help                       show this help\n";
  return out.str();
}

}  // namespace nmtd::cli
