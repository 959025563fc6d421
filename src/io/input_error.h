// Errors about user input: always name the file, the line (1-based, 0 = whole file) and the field.
#pragma once
#include <stdexcept>
#include <string>

namespace gtrain {

class InputError : public std::runtime_error {
 public:
  InputError(std::string file, long line, std::string field, const std::string& what)
      : std::runtime_error(format(file, line, field, what)),
        file_(std::move(file)), line_(line), field_(std::move(field)), reason_(what) {}
  const std::string& file() const { return file_; }
  long line() const { return line_; }
  const std::string& field() const { return field_; }
  const std::string& reason() const { return reason_; }

 private:
  static std::string format(const std::string& file, long line, const std::string& field,
                            const std::string& what) {
    std::string s = file;  // empty for a command-line flag: the message starts at the field
    if (line > 0) s += ":" + std::to_string(line);
    if (!field.empty()) s += (s.empty() ? "" : ": ") + std::string("field '") + field + "'";
    return s.empty() ? what : s + ": " + what;
  }
  std::string file_;
  long line_;
  std::string field_;
  std::string reason_;
};

}  // namespace gtrain
