// safetensors reader (memory-mapped, validated) and atomic writer. Torch-free.
//
// File layout: u64 little-endian header length N, N bytes of JSON header (space padded), then the
// raw little-endian tensor data. Each header entry is
//   "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}
// with offsets relative to the first byte after the header; the optional "__metadata__" entry is
// a string -> string map.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gtrain {

enum class DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL };

// Bytes per element.
size_t dtype_size(DType d);
// "F32" -> DType::F32 ...; throws std::runtime_error on an unknown or unsupported name.
DType parse_dtype(const std::string& name);
// DType::F32 -> "F32".
std::string dtype_name(DType d);

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets relative to the start of the data section

  uint64_t numel() const;
  uint64_t nbytes() const { return end - begin; }
};

// Read-only, memory-mapped safetensors file. The header is fully validated on open: a bad file
// raises std::runtime_error naming the file (and the tensor where one is involved).
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;
  SafetensorsFile(SafetensorsFile&& o) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& o) noexcept;

  const std::string& path() const { return path_; }
  // Tensors in header order.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // nullptr when absent.
  const TensorInfo* find(const std::string& name) const;
  // Pointer to the first byte of the tensor's data (no alignment guarantee).
  const void* data(const TensorInfo& t) const;
  // The "__metadata__" entry (empty when absent).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  uint64_t header_size() const { return header_len_; }
  uint64_t file_size() const { return size_; }

 private:
  void close_map() noexcept;
  std::string path_;
  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  uint64_t header_len_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;  // numel * dtype_size bytes, little-endian, C-contiguous
};

// Writes a safetensors file the way the Python `safetensors` library (0.4.x) does: "__metadata__"
// first, then the tensors ordered by dtype (I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL)
// and by name within a dtype (i.e. sorted by name when all share one dtype), compact JSON
// ({"dtype":..,"shape":..,"data_offsets":..}), header space-padded to a multiple of 8, data in
// header order. Written to path + ".tmp.<pid>", fsync'ed, then renamed over path (atomic).
// Throws std::runtime_error (duplicate names, bad shapes, I/O errors); no temp file is left.
void write_safetensors(const std::string& path, const std::vector<TensorView>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The header bytes (JSON + padding, without the 8-byte length) write_safetensors would produce,
// together with the data order. Exposed for tests.
std::string safetensors_header(const std::vector<TensorView>& tensors,
                               const std::map<std::string, std::string>& metadata,
                               std::vector<size_t>* order = nullptr);

}  // namespace gtrain
