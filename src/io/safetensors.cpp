#include "io/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "io/atomic_file.h"
#include "io/enum_names.h"

namespace gtrain {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error("safetensors " + path + ": " + what);
}

std::string sys_err() { return std::strerror(errno); }

std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

// Rank used by the Python library (Rust Dtype enum order, written in descending order).
int dtype_rank(DType d) {
  switch (d) {
    case DType::BOOL: return 0;
    case DType::U8: return 1;
    case DType::I8: return 2;
    case DType::I16: return 5;
    case DType::F16: return 7;
    case DType::BF16: return 8;
    case DType::I32: return 9;
    case DType::F32: return 11;
    case DType::F64: return 12;
    case DType::I64: return 13;
  }
  return 0;
}

// numel * elem_size with overflow detection; false on overflow or negative dims.
bool checked_nbytes(const std::vector<int64_t>& shape, size_t elem, uint64_t* out) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return false;
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n)) return false;
  }
  if (__builtin_mul_overflow(n, static_cast<uint64_t>(elem), &n)) return false;
  *out = n;
  return true;
}

}  // namespace

size_t dtype_size(DType d) {
  switch (d) {
    case DType::F64:
    case DType::I64: return 8;
    case DType::F32:
    case DType::I32: return 4;
    case DType::F16:
    case DType::BF16:
    case DType::I16: return 2;
    case DType::I8:
    case DType::U8:
    case DType::BOOL: return 1;
  }
  return 0;
}

namespace {
const EnumName<DType> kDTypeNames[] = {
    {DType::F32, "F32"}, {DType::F16, "F16"}, {DType::BF16, "BF16"}, {DType::F64, "F64"}, {DType::I64, "I64"},
    {DType::I32, "I32"}, {DType::I16, "I16"}, {DType::I8, "I8"},     {DType::U8, "U8"},   {DType::BOOL, "BOOL"}};
}  // namespace

DType parse_dtype(const std::string& n) {
  if (auto d = enum_from_name(kDTypeNames, n)) return *d;
  throw std::runtime_error("unsupported safetensors dtype '" + n + "'");
}

std::string dtype_name(DType d) { return enum_to_name(kDTypeNames, d, "?"); }

uint64_t TensorInfo::numel() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Reader

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, "cannot open: " + sys_err());
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    std::string e = sys_err();
    ::close(fd);
    fail(path, "cannot stat: " + e);
  }
  size_ = static_cast<uint64_t>(st.st_size);
  if (size_ < 8) {
    ::close(fd);
    fail(path, "file too small (" + std::to_string(size_) + " bytes) to hold a safetensors header");
  }
  void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  std::string merr = m == MAP_FAILED ? sys_err() : "";
  ::close(fd);
  if (m == MAP_FAILED) fail(path, "mmap failed: " + merr);
  base_ = static_cast<const uint8_t*>(m);

  try {
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | base_[i];
    if (n > size_ - 8)
      fail(path, "header length " + std::to_string(n) + " exceeds the file size " +
                     std::to_string(size_) + " (corrupt or not a safetensors file)");
    if (n > 100000000ULL) fail(path, "header length " + std::to_string(n) + " is too large");
    header_len_ = n;
    if (n == 0 || base_[8] != '{') fail(path, "header does not start with '{'");
    nlohmann::ordered_json h;
    try {
      h = nlohmann::ordered_json::parse(base_ + 8, base_ + 8 + n);
    } catch (const std::exception& e) {
      fail(path, std::string("header is not valid JSON: ") + e.what());
    }
    if (!h.is_object()) fail(path, "header is not a JSON object");
    const uint64_t data_size = size_ - 8 - n;

    for (auto it = h.begin(); it != h.end(); ++it) {
      const std::string& name = it.key();
      const auto& v = it.value();
      if (name == "__metadata__") {
        if (!v.is_object()) fail(path, "\"__metadata__\" must be an object of strings");
        for (auto m2 = v.begin(); m2 != v.end(); ++m2) {
          if (!m2.value().is_string())
            fail(path, "\"__metadata__\" value for '" + m2.key() + "' is not a string");
          metadata_[m2.key()] = m2.value().get<std::string>();
        }
        continue;
      }
      const std::string where = "tensor '" + name + "': ";
      if (!v.is_object()) fail(path, where + "entry is not an object");
      if (!v.contains("dtype") || !v["dtype"].is_string())
        fail(path, where + "missing or non-string \"dtype\"");
      if (!v.contains("shape") || !v["shape"].is_array())
        fail(path, where + "missing or non-array \"shape\"");
      if (!v.contains("data_offsets") || !v["data_offsets"].is_array() ||
          v["data_offsets"].size() != 2)
        fail(path, where + "\"data_offsets\" must be an array [begin, end]");
      TensorInfo t;
      t.name = name;
      try {
        t.dtype = parse_dtype(v["dtype"].get<std::string>());
      } catch (const std::exception& e) {
        fail(path, where + e.what());
      }
      for (const auto& d : v["shape"]) {
        if (!d.is_number_unsigned()) fail(path, where + "shape entries must be non-negative integers");
        uint64_t x = d.get<uint64_t>();
        if (x > static_cast<uint64_t>(INT64_MAX)) fail(path, where + "shape entry too large");
        t.shape.push_back(static_cast<int64_t>(x));
      }
      const auto& off = v["data_offsets"];
      if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        fail(path, where + "data_offsets must be non-negative integers");
      t.begin = off[0].get<uint64_t>();
      t.end = off[1].get<uint64_t>();
      if (t.end < t.begin)
        fail(path, where + "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                       "] has end < begin");
      if (t.end > data_size)
        fail(path, where + "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                       "] out of range (data section is " + std::to_string(data_size) + " bytes)");
      uint64_t want = 0;
      if (!checked_nbytes(t.shape, dtype_size(t.dtype), &want))
        fail(path, where + "shape " + shape_str(t.shape) + " overflows");
      if (want != t.end - t.begin)
        fail(path, where + "dtype " + dtype_name(t.dtype) + " shape " + shape_str(t.shape) + " needs " +
                       std::to_string(want) + " bytes but data_offsets span " +
                       std::to_string(t.end - t.begin));
      if (index_.count(name)) fail(path, where + "duplicate name");
      index_[name] = tensors_.size();
      tensors_.push_back(std::move(t));
    }

    // Non-overlapping ranges (empty tensors never overlap anything).
    std::vector<const TensorInfo*> by_off;
    for (const auto& t : tensors_)
      if (t.end > t.begin) by_off.push_back(&t);
    std::sort(by_off.begin(), by_off.end(),
              [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin; });
    for (size_t i = 1; i < by_off.size(); ++i)
      if (by_off[i]->begin < by_off[i - 1]->end)
        fail(path, "tensor '" + by_off[i]->name + "' data overlaps tensor '" + by_off[i - 1]->name + "'");
  } catch (...) {
    close_map();
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() { close_map(); }

void SafetensorsFile::close_map() noexcept {
  if (base_) ::munmap(const_cast<uint8_t*>(base_), size_);
  base_ = nullptr;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept
    : path_(std::move(o.path_)),
      base_(o.base_),
      size_(o.size_),
      header_len_(o.header_len_),
      tensors_(std::move(o.tensors_)),
      index_(std::move(o.index_)),
      metadata_(std::move(o.metadata_)) {
  o.base_ = nullptr;
}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& o) noexcept {
  if (this != &o) {
    close_map();
    path_ = std::move(o.path_);
    base_ = o.base_;
    size_ = o.size_;
    header_len_ = o.header_len_;
    tensors_ = std::move(o.tensors_);
    index_ = std::move(o.index_);
    metadata_ = std::move(o.metadata_);
    o.base_ = nullptr;
  }
  return *this;
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const void* SafetensorsFile::data(const TensorInfo& t) const {
  return base_ + 8 + header_len_ + t.begin;
}

// ---------------------------------------------------------------------------------------------
// Writer

std::string safetensors_header(const std::vector<TensorView>& tensors,
                               const std::map<std::string, std::string>& metadata,
                               std::vector<size_t>* order_out) {
  std::set<std::string> seen;
  for (const auto& t : tensors) {
    if (t.name == "__metadata__") throw std::runtime_error("safetensors: tensor name '__metadata__' is reserved");
    if (!seen.insert(t.name).second)
      throw std::runtime_error("safetensors: duplicate tensor name '" + t.name + "'");
  }
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    int ra = dtype_rank(tensors[a].dtype), rb = dtype_rank(tensors[b].dtype);
    if (ra != rb) return ra > rb;
    return tensors[a].name < tensors[b].name;
  });

  std::string h = "{";
  bool first = true;
  if (!metadata.empty()) {
    h += "\"__metadata__\":{";
    bool f2 = true;
    for (const auto& kv : metadata) {
      if (!f2) h += ",";
      f2 = false;
      h += nlohmann::json(kv.first).dump() + ":" + nlohmann::json(kv.second).dump();
    }
    h += "}";
    first = false;
  }
  uint64_t off = 0;
  for (size_t i : order) {
    const auto& t = tensors[i];
    uint64_t nb = 0;
    if (!checked_nbytes(t.shape, dtype_size(t.dtype), &nb))
      throw std::runtime_error("safetensors: tensor '" + t.name + "' has an invalid shape " + shape_str(t.shape));
    if (nb > 0 && t.data == nullptr)
      throw std::runtime_error("safetensors: tensor '" + t.name + "' has no data");
    if (!first) h += ",";
    first = false;
    h += nlohmann::json(t.name).dump();
    h += ":{\"dtype\":\"" + dtype_name(t.dtype) + "\",\"shape\":[";
    for (size_t k = 0; k < t.shape.size(); ++k) h += (k ? "," : "") + std::to_string(t.shape[k]);
    h += "],\"data_offsets\":[" + std::to_string(off) + "," + std::to_string(off + nb) + "]}";
    off += nb;
  }
  h += "}";
  size_t extra = (8 - h.size() % 8) % 8;
  h.append(extra, ' ');
  if (order_out) *order_out = order;
  return h;
}

void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<size_t> order;
  const std::string header = safetensors_header(tensors, metadata, &order);
  // Through io/atomic_file: the file appears whole or not at all.
  try {
    AtomicFileWriter w(path);
    uint8_t len[8];
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
    w.write(len, 8);
    w.write(header.data(), header.size());
    for (size_t i : order) {
      uint64_t nb = 0;
      checked_nbytes(tensors[i].shape, dtype_size(tensors[i].dtype), &nb);
      if (nb) w.write(tensors[i].data, nb);
    }
    w.commit();
  } catch (const std::runtime_error& e) {
    fail(path, e.what());
  }
}

}  // namespace gtrain
