// Two-way lookup between an enum and the words a config or file format spells it with. Each name
// is written once, in a table, instead of once in a parser and again in a printer.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gtrain {

template <typename E>
using EnumName = std::pair<E, const char*>;

// The value called `name`, or nothing when the table lacks it (the caller words the error).
template <typename E, size_t N>
std::optional<E> enum_from_name(const EnumName<E> (&table)[N], const std::string& name) {
  for (const auto& entry : table)
    if (name == entry.second) return entry.first;
  return std::nullopt;
}

// The names, in the table's order (a config's choices).
template <typename E, size_t N>
std::vector<std::string> enum_names(const EnumName<E> (&table)[N]) {
  std::vector<std::string> v;
  for (const auto& entry : table) v.push_back(entry.second);
  return v;
}

// The name of `value`; `fallback` for a value the table lacks.
template <typename E, size_t N>
std::string enum_to_name(const EnumName<E> (&table)[N], E value, const char* fallback) {
  for (const auto& entry : table)
    if (entry.first == value) return entry.second;
  return fallback;
}

}  // namespace gtrain
