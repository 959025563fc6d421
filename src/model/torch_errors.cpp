#include "model/torch_errors.h"
#include "model/error_message.h"

namespace gtrain {

std::string torch_message(const c10::Error& e) {
  std::string m = e.what_without_backtrace();
  size_t pos = 0;
  for (int line = 0; line < 4 && pos != std::string::npos; ++line) {
    pos = m.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  if (pos != std::string::npos) m = m.substr(0, pos) + "...";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

std::string error_message(const std::exception& e) {
  if (const auto* t = dynamic_cast<const c10::Error*>(&e)) return "torch: " + torch_message(*t);
  return e.what();
}

std::string describe_rows(const std::vector<int64_t>& rows, const std::string& file) {
  std::string s = rows.size() == 1 ? "row " : "rows ";
  for (size_t i = 0; i < rows.size() && i < 8; ++i) s += (i ? ", " : "") + std::to_string(rows[i]);
  if (rows.size() > 8) s += ", ... (" + std::to_string(rows.size()) + " rows)";
  return s + " of " + file;
}

}  // namespace gtrain
