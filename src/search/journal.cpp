#include "search/journal.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace gtrain {

SweepJournal::SweepJournal(const std::string& path) : path_(path) {
  // A record torn by a crash (no final newline) is cut off first, so the next record starts on a
  // line of its own and the journal stays readable.
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!all.empty() && all.back() != '\n') {
      const size_t keep = all.rfind('\n') == std::string::npos ? 0 : all.rfind('\n') + 1;
      std::filesystem::resize_file(path, keep, ec);
      if (ec) throw std::runtime_error("sweep journal " + path + ": cannot cut a torn last record: " + ec.message());
    }
  }
  f_ = std::fopen(path.c_str(), "a");
  if (!f_) throw std::runtime_error("sweep journal " + path + ": cannot open for appending");
}

SweepJournal::~SweepJournal() {
  if (f_) std::fclose(f_);
}

void SweepJournal::write(const nlohmann::json& record) {
  const std::string line = record.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0 || ::fsync(fileno(f_)) != 0)
    throw std::runtime_error("sweep journal " + path_ + ": write failed");
}

std::vector<nlohmann::json> SweepJournal::read(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  long n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const std::exception&) {
      if (in.peek() == EOF) break;  // a record torn by a crash mid-write: the last line only
      throw std::runtime_error(path + ":" + std::to_string(n) + ": not a JSON record");
    }
  }
  return out;
}

}  // namespace gtrain
