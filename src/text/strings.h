// Small string helpers shared by the readers, checkpoint code and reports.
#pragma once
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace gtrain {

inline bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// s without the characters of `chars` at either end.
inline std::string trim(const std::string& s, const char* chars = " \t\r") {
  const size_t a = s.find_first_not_of(chars);
  return a == std::string::npos ? std::string() : s.substr(a, s.find_last_not_of(chars) - a + 1);
}

// "a, b, c"; past max_items the rest is summarised as "... (N more)" so an error stays readable.
inline std::string join(const std::vector<std::string>& v, const std::string& sep = ", ",
                        size_t max_items = std::numeric_limits<size_t>::max()) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) out += (i ? sep : "") + v[i];
  if (v.size() > max_items) out += sep + "... (" + std::to_string(v.size() - max_items) + " more)";
  return out;
}

}  // namespace gtrain
