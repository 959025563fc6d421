// The message of an exception that escapes a command: torch's errors without their C++ stack
// (torch-free header, for the CLI).
#pragma once
#include <exception>
#include <string>

namespace gtrain {

std::string error_message(const std::exception& e);

}  // namespace gtrain
