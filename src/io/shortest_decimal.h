// Floats as text for people and configs: the shortest decimal that reads back as the same float.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>

namespace gtrain {

// "0.3" for 0.3f (not "0.30000001"); at most 9 significant digits, which every float needs at most.
inline std::string shortest_decimal(float x) {
  char buf[64];
  for (int prec = 1; prec <= 9; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, static_cast<double>(x));
    if (std::strtof(buf, nullptr) == x) break;
  }
  return buf;
}

// The same for doubles (at most 17 significant digits). A separate name, so that a double is never
// silently rounded to a float's digits or a float widened.
inline std::string shortest_decimal_double(double x) {
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

}  // namespace gtrain
