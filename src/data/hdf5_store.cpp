// Prepared-data HDF5 store (HDF5 C API). Layout: docs/data-format.md, "## HDF5 layout".
#include "data/hdf5_store.h"

#include <fcntl.h>
#include <hdf5.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "io/input_error.h"
#include "io/crc32c.h"

namespace gtrain {

static_assert(std::is_same<hid_t, int64_t>::value, "hid_t is expected to be int64_t (HDF5 >= 1.10)");

namespace {

std::mutex& h5_mutex() {
  static std::mutex m;
  return m;
}

// Silences HDF5's own error-stack printing once per process (we report errors ourselves).
void quiet_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

// RAII for an hid_t closed by a given H5?close function.
struct Handle {
  hid_t id = -1;
  herr_t (*closer)(hid_t) = nullptr;
  Handle() = default;
  Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), closer(c) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id(o.id), closer(o.closer) { o.id = -1; }
  ~Handle() {
    if (id >= 0 && closer) closer(id);
  }
  bool ok() const { return id >= 0; }
  operator hid_t() const { return id; }
};

// The HDF5 types of the element types the store holds: in the file (fixed little-endian) and in
// memory (native). h5_pick<T>(...) takes the one for T of int32_t, int64_t, float, uint8_t.
template <typename T>
hid_t h5_pick(hid_t for_i32, hid_t for_i64, hid_t for_f32, hid_t for_u8) {
  if constexpr (std::is_same_v<T, int32_t>) return for_i32;
  else if constexpr (std::is_same_v<T, int64_t>) return for_i64;
  else if constexpr (std::is_same_v<T, float>) return for_f32;
  else {
    static_assert(std::is_same_v<T, uint8_t>, "hdf5_store holds int32, int64, float and uint8 arrays");
    return for_u8;
  }
}
template <typename T>
struct H5Types {
  static hid_t file() { return h5_pick<T>(H5T_STD_I32LE, H5T_STD_I64LE, H5T_IEEE_F32LE, H5T_STD_U8LE); }
  static hid_t mem() { return h5_pick<T>(H5T_NATIVE_INT32, H5T_NATIVE_INT64, H5T_NATIVE_FLOAT, H5T_NATIVE_UINT8); }
};

// ---------------------------------------------------------------------------------------------
// Writing helpers (throw std::runtime_error naming the file; the writer turns it into cleanup).

[[noreturn]] void write_fail(const std::string& file, const std::string& what) {
  throw std::runtime_error(file + ": HDF5 write failed: " + what);
}

// HDF5 reports no cause; errno still holds the failed write's (e.g. "No space left on device").
std::string io_cause() {
  const int e = errno;
  return e != 0 ? std::string(" (") + std::strerror(e) + ")" : std::string();
}

template <typename T>
void write_dataset(hid_t file, const std::string& fname, const char* name, const std::vector<T>& v) {
  errno = 0;
  hsize_t dims[1] = {static_cast<hsize_t>(v.size())};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  if (!space.ok()) write_fail(fname, std::string("dataspace for ") + name);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl, 1);
  Handle ds(H5Dcreate2(file, name, H5Types<T>::file(), space, lcpl, H5P_DEFAULT, H5P_DEFAULT),
            H5Dclose);
  if (!ds.ok()) write_fail(fname, std::string("create dataset ") + name);
  if (!v.empty() && H5Dwrite(ds, H5Types<T>::mem(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    write_fail(fname, std::string("write dataset ") + name + io_cause());
  // CRC-32C of the elements (little-endian bytes), checked when the file is opened: flipped
  // bytes in the data are an error, never different training data.
  const int64_t crc = crc32c(v.data(), v.size() * sizeof(T));
  Handle as(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate2(ds, "crc32c", H5T_STD_I64LE, as, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.ok() || H5Awrite(a, H5T_NATIVE_INT64, &crc) < 0)
    write_fail(fname, std::string("write attribute crc32c of ") + name + io_cause());
}

Handle vlen_string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

void write_string_list_attr(hid_t file, const std::string& fname, const char* name,
                            const std::vector<std::string>& v) {
  Handle t = vlen_string_type();
  hsize_t dims[1] = {static_cast<hsize_t>(v.size())};
  Handle space(v.empty() ? H5Screate(H5S_NULL) : H5Screate_simple(1, dims, nullptr), H5Sclose);
  Handle a(H5Acreate2(file, name, t, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.ok()) write_fail(fname, std::string("create attribute ") + name);
  if (v.empty()) return;
  std::vector<const char*> ptrs;
  for (const auto& s : v) {
    if (s.find('\0') != std::string::npos)
      write_fail(fname, std::string("attribute ") + name + " holds a NUL character");
    ptrs.push_back(s.c_str());
  }
  if (H5Awrite(a, t, ptrs.data()) < 0) write_fail(fname, std::string("write attribute ") + name);
}

void write_string_attr(hid_t file, const std::string& fname, const char* name, const std::string& s) {
  Handle t = vlen_string_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate2(file, name, t, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.ok()) write_fail(fname, std::string("create attribute ") + name);
  const char* p = s.c_str();
  if (H5Awrite(a, t, &p) < 0) write_fail(fname, std::string("write attribute ") + name);
}

template <typename T>
void write_scalar_attr(hid_t file, const std::string& fname, const char* name, T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle a(H5Acreate2(file, name, H5Types<T>::file(), space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.ok()) write_fail(fname, std::string("create attribute ") + name);
  if (H5Awrite(a, H5Types<T>::mem(), &value) < 0)
    write_fail(fname, std::string("write attribute ") + name);
}

// ---------------------------------------------------------------------------------------------
// Reading helpers (throw InputError naming the file and the attribute / dataset).

bool has_attr(hid_t file, const char* name) { return H5Aexists(file, name) > 0; }

int64_t read_int_attr(hid_t file, const std::string& fname, const char* name) {
  if (!has_attr(file, name)) throw InputError(fname, 0, name, "attribute missing (not a gtrain prepared file?)");
  Handle a(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
  int64_t v = 0;
  if (!a.ok() || H5Aread(a, H5T_NATIVE_INT64, &v) < 0)
    throw InputError(fname, 0, name, "cannot read integer attribute");
  return v;
}

std::vector<std::string> read_strings_attr(hid_t file, const std::string& fname, const char* name) {
  if (!has_attr(file, name)) throw InputError(fname, 0, name, "attribute missing (not a gtrain prepared file?)");
  Handle a(H5Aopen(file, name, H5P_DEFAULT), H5Aclose);
  Handle ftype(H5Aget_type(a), H5Tclose);
  Handle space(H5Aget_space(a), H5Sclose);
  if (!a.ok() || !ftype.ok() || !space.ok() || H5Tget_class(ftype) != H5T_STRING)
    throw InputError(fname, 0, name, "not a string attribute");
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::string> out;
  if (n <= 0) return out;
  if (H5Tis_variable_str(ftype) > 0) {
    Handle mt = vlen_string_type();
    std::vector<char*> buf(static_cast<size_t>(n), nullptr);
    if (H5Aread(a, mt, buf.data()) < 0) throw InputError(fname, 0, name, "cannot read string attribute");
    for (char* p : buf) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mt, space, H5P_DEFAULT, buf.data());
  } else {
    const size_t sz = H5Tget_size(ftype);
    Handle mt(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mt, sz);
    std::vector<char> buf(sz * static_cast<size_t>(n));
    if (H5Aread(a, mt, buf.data()) < 0) throw InputError(fname, 0, name, "cannot read string attribute");
    for (hssize_t i = 0; i < n; ++i) {
      const char* p = buf.data() + sz * static_cast<size_t>(i);
      out.emplace_back(p, strnlen(p, sz));
    }
  }
  return out;
}

std::string read_string_attr(hid_t file, const std::string& fname, const char* name) {
  auto v = read_strings_attr(file, fname, name);
  if (v.size() > 1) throw InputError(fname, 0, name, "expected a single string");
  return v.empty() ? std::string() : v[0];
}

hid_t open_dataset(hid_t file, const std::string& fname, const char* name, int64_t* len) {
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) {
    // H5Lexists on "/a/b" fails when "/a" is missing; either way it is missing.
    throw InputError(fname, 0, name, "dataset missing (not a gtrain prepared file?)");
  }
  hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
  if (ds < 0) throw InputError(fname, 0, name, "cannot open dataset");
  Handle space(H5Dget_space(ds), H5Sclose);
  if (!space.ok() || H5Sget_simple_extent_ndims(space) != 1) {
    H5Dclose(ds);
    throw InputError(fname, 0, name, "expected a one-dimensional dataset");
  }
  *len = static_cast<int64_t>(H5Sget_simple_extent_npoints(space));
  return ds;
}

template <typename T>
void read_slice(hid_t ds, const std::string& fname, const char* name, int64_t start, int64_t count,
                T* dst) {
  if (count <= 0) return;
  Handle fs(H5Dget_space(ds), H5Sclose);
  hsize_t st[1] = {static_cast<hsize_t>(start)}, cnt[1] = {static_cast<hsize_t>(count)};
  Handle ms(H5Screate_simple(1, cnt, nullptr), H5Sclose);
  if (!fs.ok() || !ms.ok() || H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, nullptr, cnt, nullptr) < 0 ||
      H5Dread(ds, H5Types<T>::mem(), ms, fs, H5P_DEFAULT, dst) < 0)
    throw InputError(fname, 0, name, "cannot read elements [" + std::to_string(start) + ", " +
                                         std::to_string(start + count) + ")");
}


// The attributes in one canonical text, for meta_crc32c.
std::string meta_digest_text(const PreparedMeta& m) {
  std::string t;
  auto add = [&t](const std::string& s) { t += s, t += '\x1f'; };
  add(std::to_string(m.format_version));
  add(m.tokenizer_fingerprint);
  add(m.tokenizer_kind);
  add(m.unit_mode);
  for (const auto* list : {&m.labels, &m.label_descriptions, &m.sources}) {
    add(std::to_string(list->size()));
    for (const auto& s : *list) add(s);
  }
  for (int64_t v : {int64_t{m.max_length}, int64_t{m.max_span_width}, m.num_examples, m.num_tokens, m.num_units,
                    m.num_spans})
    add(std::to_string(v));
  if (m.window_stride >= 0) add(std::to_string(m.window_stride));  // absent from older files' text
  return t;
}

// Reads a whole dataset as T and compares the CRC-32C of the values with the one stored beside it
// at prepare time. The stored element type must be exactly the one written: a damaged type
// message (e.g. a byte-order flag) would otherwise convert every value on read.
template <typename T>
std::vector<T> read_all(hid_t file, const std::string& fname, const char* name) {
  int64_t len = 0;
  Handle ds(open_dataset(file, fname, name, &len), H5Dclose);
  Handle type(H5Dget_type(ds), H5Tclose);
  if (!type.ok() || H5Tequal(type, H5Types<T>::file()) <= 0)
    throw InputError(fname, 0, name, "unexpected element type (the file is damaged; re-run `gtrain prepare`)");
  if (H5Aexists(ds, "crc32c") <= 0) throw InputError(fname, 0, name, "checksum attribute crc32c missing");
  int64_t stored = -1;
  {
    Handle a(H5Aopen(ds, "crc32c", H5P_DEFAULT), H5Aclose);
    if (!a.ok() || H5Aread(a, H5T_NATIVE_INT64, &stored) < 0)
      throw InputError(fname, 0, name, "cannot read checksum attribute crc32c");
  }
  std::vector<T> v(static_cast<size_t>(len));
  if (len > 0 && H5Dread(ds, H5Types<T>::mem(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw InputError(fname, 0, name, "cannot read (the file is damaged; re-run `gtrain prepare`)");
  const int64_t computed = crc32c(v.data(), v.size() * sizeof(T));
  if (computed != stored)
    throw InputError(fname, 0, name,
                     "checksum mismatch (stored crc32c " + std::to_string(stored) + ", computed " +
                         std::to_string(computed) + "): the file is damaged; re-run `gtrain prepare`");
  return v;
}

void check_offsets(const std::string& fname, const char* name, const std::vector<int64_t>& off,
                   int64_t n, int64_t data_len) {
  if (static_cast<int64_t>(off.size()) != n + 1)
    throw InputError(fname, 0, name, "has " + std::to_string(off.size()) + " entries, expected " +
                                         std::to_string(n + 1) + " (num_examples + 1)");
  if (off[0] != 0) throw InputError(fname, 0, name, "does not start at 0");
  for (size_t i = 1; i < off.size(); ++i)
    if (off[i] < off[i - 1]) throw InputError(fname, 0, name, "is not non-decreasing at " + std::to_string(i));
  if (off.back() != data_len)
    throw InputError(fname, 0, name, "ends at " + std::to_string(off.back()) +
                                         " but the data has " + std::to_string(data_len) + " elements");
}

}  // namespace

// =============================================================================================
// PreparedWriter

PreparedWriter::PreparedWriter(const std::string& final_path, const PreparedMeta& meta)
    : final_path_(final_path), meta_(meta) {
  try {
    out_ = std::make_unique<AtomicFileWriter>(final_path_);
  } catch (const std::runtime_error& e) {
    throw InputError(final_path_, 0, "path", std::string(e.what()) + " (does the directory exist and is it writable?)");
  }
  tmp_path_ = out_->tmp();
}

PreparedWriter::~PreparedWriter() = default;  // an unpublished temp is removed by out_

void PreparedWriter::add(const PreparedExample& ex) {
  if (written_) throw std::logic_error("PreparedWriter::add after write: " + final_path_);
  if (ex.lost_gold.size() % 3 != 0) throw std::invalid_argument("PreparedWriter::add: lost_gold holds triples");
  const size_t nu = ex.unit_token.size();
  if (ex.unit_char_start.size() != nu || ex.unit_char_end.size() != nu)
    throw std::invalid_argument("PreparedWriter::add: unit_token/unit_char_start/unit_char_end sizes differ");
  tok_ids_.insert(tok_ids_.end(), ex.token_ids.begin(), ex.token_ids.end());
  tok_off_.push_back(static_cast<int64_t>(tok_ids_.size()));
  unit_token_.insert(unit_token_.end(), ex.unit_token.begin(), ex.unit_token.end());
  unit_cs_.insert(unit_cs_.end(), ex.unit_char_start.begin(), ex.unit_char_start.end());
  unit_ce_.insert(unit_ce_.end(), ex.unit_char_end.begin(), ex.unit_char_end.end());
  unit_off_.push_back(static_cast<int64_t>(unit_token_.size()));
  for (const UnitSpan& s : ex.spans) {
    span_start_.push_back(s.start);
    span_end_.push_back(s.end);
    span_label_.push_back(s.label);
  }
  span_off_.push_back(static_cast<int64_t>(span_start_.size()));
  schema_.insert(schema_.end(), ex.schema_labels.begin(), ex.schema_labels.end());
  schema_off_.push_back(static_cast<int64_t>(schema_.size()));
  text_.insert(text_.end(), ex.text.begin(), ex.text.end());
  text_off_.push_back(static_cast<int64_t>(text_.size()));
  length_tokens_.push_back(static_cast<int32_t>(ex.token_ids.size()));
  text_char_offset_.push_back(ex.text_char_offset);
  example_index_.push_back(ex.example_index);
  source_.push_back(ex.source);
  weight_.push_back(ex.weight);
  silver_.push_back(ex.silver);
  lost_.insert(lost_.end(), ex.lost_gold.begin(), ex.lost_gold.end());
  lost_off_.push_back(static_cast<int64_t>(lost_.size()));
}

void PreparedWriter::write() {
  if (written_) throw std::logic_error("PreparedWriter::write called twice: " + final_path_);
  written_ = true;
  std::vector<unsigned char> image;
  {
    std::lock_guard<std::mutex> lk(h5_mutex());
    quiet_hdf5();
    Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    if (!fapl.ok() || H5Pset_fapl_core(fapl, 1 << 20, /*backing_store=*/0) < 0)
      write_fail(tmp_path_, "cannot set up an in-memory file");
    Handle file(H5Fcreate(tmp_path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose);
    if (!file.ok()) write_fail(tmp_path_, "cannot create the in-memory file");
    write_contents(file);
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) write_fail(tmp_path_, "flush");
    const ssize_t size = H5Fget_file_image(file, nullptr, 0);
    if (size < 0) write_fail(tmp_path_, "cannot size the file image");
    image.resize(static_cast<size_t>(size));
    if (H5Fget_file_image(file, image.data(), image.size()) != size) write_fail(tmp_path_, "cannot copy the file image");
  }
  try {
    out_->write(image.data(), image.size());
    out_->sync();
  } catch (const std::runtime_error& e) {
    write_fail(final_path_, e.what());
  }
}

void PreparedWriter::publish() {
  if (!written_) throw std::logic_error("PreparedWriter::publish before write: " + final_path_);
  try {
    out_->commit();  // rename into place, fsync the directory
  } catch (const std::runtime_error& e) {
    write_fail(final_path_, e.what());
  }
}

void PreparedWriter::commit() {
  write();
  publish();
}

void PreparedWriter::write_contents(int64_t f) {
  const std::string& fn = tmp_path_;
  write_dataset(f, fn, "/tokens/ids", tok_ids_);
  write_dataset(f, fn, "/tokens/offsets", tok_off_);
  write_dataset(f, fn, "/units/token", unit_token_);
  write_dataset(f, fn, "/units/char_start", unit_cs_);
  write_dataset(f, fn, "/units/char_end", unit_ce_);
  write_dataset(f, fn, "/units/offsets", unit_off_);
  write_dataset(f, fn, "/spans/start", span_start_);
  write_dataset(f, fn, "/spans/end", span_end_);
  write_dataset(f, fn, "/spans/label", span_label_);
  write_dataset(f, fn, "/spans/offsets", span_off_);
  write_dataset(f, fn, "/schema/labels", schema_);
  write_dataset(f, fn, "/schema/offsets", schema_off_);
  write_dataset(f, fn, "/text/bytes", text_);
  write_dataset(f, fn, "/text/offsets", text_off_);
  write_dataset(f, fn, "/examples/length_tokens", length_tokens_);
  write_dataset(f, fn, "/examples/text_char_offset", text_char_offset_);
  write_dataset(f, fn, "/examples/example_index", example_index_);
  write_dataset(f, fn, "/examples/source", source_);
  write_dataset(f, fn, "/examples/weight", weight_);
  write_dataset(f, fn, "/examples/silver", silver_);
  write_dataset(f, fn, "/lost/gold", lost_);
  write_dataset(f, fn, "/lost/offsets", lost_off_);

  write_scalar_attr<int32_t>(f, fn, "format_version", meta_.format_version);
  write_string_attr(f, fn, "tokenizer_fingerprint", meta_.tokenizer_fingerprint);
  write_string_attr(f, fn, "tokenizer_kind", meta_.tokenizer_kind);
  write_string_attr(f, fn, "unit_mode", meta_.unit_mode);
  write_string_list_attr(f, fn, "labels", meta_.labels);
  write_string_list_attr(f, fn, "label_descriptions", meta_.label_descriptions);
  write_string_list_attr(f, fn, "sources", meta_.sources);
  write_scalar_attr<int32_t>(f, fn, "max_length", meta_.max_length);
  write_scalar_attr<int32_t>(f, fn, "max_span_width", meta_.max_span_width);
  if (meta_.window_stride >= 0) write_scalar_attr<int32_t>(f, fn, "window_stride", meta_.window_stride);
  write_scalar_attr<int64_t>(f, fn, "num_examples", static_cast<int64_t>(length_tokens_.size()));
  write_scalar_attr<int64_t>(f, fn, "num_tokens", static_cast<int64_t>(tok_ids_.size()));
  write_scalar_attr<int64_t>(f, fn, "num_units", static_cast<int64_t>(unit_token_.size()));
  write_scalar_attr<int64_t>(f, fn, "num_spans", static_cast<int64_t>(span_start_.size()));
  PreparedMeta m = meta_;
  m.num_examples = static_cast<int64_t>(length_tokens_.size());
  m.num_tokens = static_cast<int64_t>(tok_ids_.size());
  m.num_units = static_cast<int64_t>(unit_token_.size());
  m.num_spans = static_cast<int64_t>(span_start_.size());
  write_scalar_attr<int64_t>(f, fn, "meta_crc32c", static_cast<int64_t>(crc32c(meta_digest_text(m))));
}

bool is_prepared_file(const std::string& path) {
  std::lock_guard<std::mutex> lk(h5_mutex());
  quiet_hdf5();
  if (H5Fis_hdf5(path.c_str()) <= 0) return false;
  Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  return f.ok() && H5Aexists(f, "format_version") > 0;
}

// =============================================================================================
// PreparedReader

PreparedReader::PreparedReader(const std::string& path, const std::string& expected_fingerprint)
    : path_(path) {
  std::lock_guard<std::mutex> lk(h5_mutex());
  quiet_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec))
    throw InputError(path_, 0, "path", "file not found (run `gtrain prepare` first?)");
  if (std::filesystem::is_directory(path_, ec))
    throw InputError(path_, 0, "path", "is a directory, expected a prepared HDF5 file");
  if (H5Fis_hdf5(path_.c_str()) <= 0)
    throw InputError(path_, 0, "path", "not an HDF5 file (expected prepared data written by `gtrain prepare`)");
  file_ = H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file_ < 0) throw InputError(path_, 0, "path", "cannot open HDF5 file");
  try {
    const hid_t f = file_;
    const int64_t version = read_int_attr(f, path_, "format_version");
    if (version < kOldestPreparedFormatVersion || version > kPreparedFormatVersion)
      throw InputError(path_, 0, "format_version",
                       "found " + std::to_string(version) + ", expected " +
                           std::to_string(kOldestPreparedFormatVersion) + " to " + std::to_string(kPreparedFormatVersion) +
                           " (prepared by another gtrain version; re-run `gtrain prepare`)");
    meta_.format_version = static_cast<int32_t>(version);
    meta_.tokenizer_fingerprint = read_string_attr(f, path_, "tokenizer_fingerprint");
    if (!expected_fingerprint.empty() && meta_.tokenizer_fingerprint != expected_fingerprint)
      throw InputError(path_, 0, "tokenizer_fingerprint",
                       "found '" + meta_.tokenizer_fingerprint + "', expected '" + expected_fingerprint +
                           "' (prepared with another tokenizer; re-run `gtrain prepare`)");
    meta_.tokenizer_kind = read_string_attr(f, path_, "tokenizer_kind");
    meta_.unit_mode = read_string_attr(f, path_, "unit_mode");
    meta_.labels = read_strings_attr(f, path_, "labels");
    meta_.label_descriptions = read_strings_attr(f, path_, "label_descriptions");
    meta_.sources = read_strings_attr(f, path_, "sources");
    meta_.max_length = static_cast<int32_t>(read_int_attr(f, path_, "max_length"));
    meta_.max_span_width = static_cast<int32_t>(read_int_attr(f, path_, "max_span_width"));
    if (has_attr(f, "window_stride"))
      meta_.window_stride = static_cast<int32_t>(read_int_attr(f, path_, "window_stride"));
    meta_.num_examples = read_int_attr(f, path_, "num_examples");
    meta_.num_tokens = read_int_attr(f, path_, "num_tokens");
    meta_.num_units = read_int_attr(f, path_, "num_units");
    meta_.num_spans = read_int_attr(f, path_, "num_spans");
    if (read_int_attr(f, path_, "meta_crc32c") != static_cast<int64_t>(crc32c(meta_digest_text(meta_))))
      throw InputError(path_, 0, "meta_crc32c",
                       "checksum mismatch over the attributes (labels, tokenizer, counts): the file is damaged; "
                       "re-run `gtrain prepare`");
    // The ragged data are read row by row later; their checksums are checked here, once. (Offsets
    // and per-example arrays are checked as read_all reads them below.)
    for (const char* name : {"/units/token", "/units/char_start", "/units/char_end", "/spans/start", "/spans/end",
                             "/spans/label", "/schema/labels"})
      read_all<int32_t>(f, path_, name);
    read_all<uint8_t>(f, path_, "/text/bytes");
    {  // the extreme token ids and their rows, for check_token_ids()
      const std::vector<int32_t> ids = read_all<int32_t>(f, path_, "/tokens/ids");
      for (size_t k = 0; k < ids.size(); ++k) {
        if (ids[k] > max_token_id_) max_token_id_ = ids[k], max_token_pos_ = static_cast<int64_t>(k);
        if (ids[k] < min_token_id_) min_token_id_ = ids[k], min_token_pos_ = static_cast<int64_t>(k);
      }
    }

    length_tokens_ = read_all<int32_t>(f, path_, "/examples/length_tokens");
    n_ = static_cast<int64_t>(length_tokens_.size());
    if (n_ != meta_.num_examples)
      throw InputError(path_, 0, "num_examples",
                       "attribute says " + std::to_string(meta_.num_examples) +
                           " but /examples/length_tokens has " + std::to_string(n_));
    auto per_example = [&](const char* name, auto& vec) {
      using V = typename std::decay_t<decltype(vec)>::value_type;
      vec = read_all<V>(f, path_, name);
      if (static_cast<int64_t>(vec.size()) != n_)
        throw InputError(path_, 0, name, "has " + std::to_string(vec.size()) + " entries, expected " +
                                             std::to_string(n_));
    };
    per_example("/examples/text_char_offset", text_char_offset_);
    per_example("/examples/example_index", example_index_);
    per_example("/examples/source", source_);
    per_example("/examples/weight", weight_);
    per_example("/examples/silver", silver_);
    if (H5Lexists(f, "/lost", H5P_DEFAULT) > 0) {  // written since 2026-12-07; older files have none
      lost_ = read_all<int32_t>(f, path_, "/lost/gold");
      lost_off_ = read_all<int64_t>(f, path_, "/lost/offsets");
      check_offsets(path_, "/lost/offsets", lost_off_, n_, static_cast<int64_t>(lost_.size()));
      for (int64_t k = 0; k < n_; ++k)
        if ((lost_off_[k + 1] - lost_off_[k]) % 3 != 0)
          throw InputError(path_, 0, "/lost/gold", "row " + std::to_string(k) + " does not hold (start, end, label) triples");
    }

    int64_t len = 0, len2 = 0;
    auto open_group = [&](const char* off_name, std::vector<int64_t>* off,
                          std::initializer_list<std::pair<const char*, int64_t*>> data) {
      *off = read_all<int64_t>(f, path_, off_name);
      int64_t first = -1;
      for (const auto& [name, handle] : data) {
        *handle = open_dataset(f, path_, name, &len2);
        if (first < 0) first = len2;
        else if (len2 != first)
          throw InputError(path_, 0, name, "has " + std::to_string(len2) + " elements, expected " +
                                               std::to_string(first));
      }
      check_offsets(path_, off_name, *off, n_, first);
    };
    open_group("/tokens/offsets", &tok_off_, {{"/tokens/ids", &d_tok_}});
    open_group("/units/offsets", &unit_off_,
               {{"/units/token", &d_ut_}, {"/units/char_start", &d_ucs_}, {"/units/char_end", &d_uce_}});
    open_group("/spans/offsets", &span_off_,
               {{"/spans/start", &d_ss_}, {"/spans/end", &d_se_}, {"/spans/label", &d_sl_}});
    open_group("/schema/offsets", &schema_off_, {{"/schema/labels", &d_schema_}});
    open_group("/text/offsets", &text_off_, {{"/text/bytes", &d_text_}});
    (void)len;
    for (int64_t i = 0; i < n_; ++i)
      if (length_tokens_[static_cast<size_t>(i)] != tok_off_[i + 1] - tok_off_[i])
        throw InputError(path_, 0, "/examples/length_tokens",
                         "row " + std::to_string(i) + " disagrees with /tokens/offsets");
  } catch (...) {
    close_all();
    throw;
  }
}

void PreparedReader::close_all() noexcept {
  for (int64_t* d : {&d_tok_, &d_ut_, &d_ucs_, &d_uce_, &d_ss_, &d_se_, &d_sl_, &d_schema_, &d_text_}) {
    if (*d >= 0) H5Dclose(*d);
    *d = -1;
  }
  if (file_ >= 0) H5Fclose(file_);
  file_ = -1;
}

void PreparedReader::check_token_ids(int64_t vocab_size) const {
  auto row_of = [&](int64_t pos) {
    return static_cast<int64_t>(std::upper_bound(tok_off_.begin(), tok_off_.end(), pos) - tok_off_.begin()) - 1;
  };
  if (n_ > 0 && min_token_id_ < 0)
    throw InputError(path_, 0, "/tokens/ids",
                     "row " + std::to_string(row_of(min_token_pos_)) + ": token id " +
                         std::to_string(min_token_id_) + " is negative (the file is damaged; re-run `gtrain prepare`)");
  if (n_ > 0 && max_token_id_ >= vocab_size)
    throw InputError(path_, 0, "/tokens/ids",
                     "row " + std::to_string(row_of(max_token_pos_)) + ": token id " +
                         std::to_string(max_token_id_) + " is outside the model's vocabulary of " +
                         std::to_string(vocab_size) + " (prepared with another tokenizer? re-run `gtrain prepare`)");
}

PreparedReader::~PreparedReader() {
  std::lock_guard<std::mutex> lk(h5_mutex());
  close_all();
}

void PreparedReader::read_run(int64_t a, int64_t b, std::vector<PreparedExample>* out) {
  const std::string& fn = path_;
  // Tokens.
  const int64_t t0 = tok_off_[a], t1 = tok_off_[b];
  std::vector<int32_t> tok(static_cast<size_t>(t1 - t0));
  read_slice(d_tok_, fn, "/tokens/ids", t0, t1 - t0, tok.data());
  // Units.
  const int64_t u0 = unit_off_[a], u1 = unit_off_[b];
  std::vector<int32_t> ut(static_cast<size_t>(u1 - u0)), ucs(ut.size()), uce(ut.size());
  read_slice(d_ut_, fn, "/units/token", u0, u1 - u0, ut.data());
  read_slice(d_ucs_, fn, "/units/char_start", u0, u1 - u0, ucs.data());
  read_slice(d_uce_, fn, "/units/char_end", u0, u1 - u0, uce.data());
  // Spans.
  const int64_t s0 = span_off_[a], s1 = span_off_[b];
  std::vector<int32_t> ss(static_cast<size_t>(s1 - s0)), se(ss.size()), sl(ss.size());
  read_slice(d_ss_, fn, "/spans/start", s0, s1 - s0, ss.data());
  read_slice(d_se_, fn, "/spans/end", s0, s1 - s0, se.data());
  read_slice(d_sl_, fn, "/spans/label", s0, s1 - s0, sl.data());
  // Schema.
  const int64_t c0 = schema_off_[a], c1 = schema_off_[b];
  std::vector<int32_t> sch(static_cast<size_t>(c1 - c0));
  read_slice(d_schema_, fn, "/schema/labels", c0, c1 - c0, sch.data());
  // Text.
  const int64_t x0 = text_off_[a], x1 = text_off_[b];
  std::vector<uint8_t> txt(static_cast<size_t>(x1 - x0));
  read_slice(d_text_, fn, "/text/bytes", x0, x1 - x0, txt.data());
  elements_read_ += (t1 - t0) + 3 * (u1 - u0) + 3 * (s1 - s0) + (c1 - c0) + (x1 - x0);

  for (int64_t i = a; i < b; ++i) {
    PreparedExample p;
    p.token_ids.assign(tok.begin() + (tok_off_[i] - t0), tok.begin() + (tok_off_[i + 1] - t0));
    p.unit_token.assign(ut.begin() + (unit_off_[i] - u0), ut.begin() + (unit_off_[i + 1] - u0));
    p.unit_char_start.assign(ucs.begin() + (unit_off_[i] - u0), ucs.begin() + (unit_off_[i + 1] - u0));
    p.unit_char_end.assign(uce.begin() + (unit_off_[i] - u0), uce.begin() + (unit_off_[i + 1] - u0));
    for (int64_t k = span_off_[i] - s0; k < span_off_[i + 1] - s0; ++k)
      p.spans.push_back(UnitSpan{ss[k], se[k], sl[k]});
    p.schema_labels.assign(sch.begin() + (schema_off_[i] - c0), sch.begin() + (schema_off_[i + 1] - c0));
    p.text.assign(reinterpret_cast<const char*>(txt.data()) + (text_off_[i] - x0),
                  static_cast<size_t>(text_off_[i + 1] - text_off_[i]));
    const size_t j = static_cast<size_t>(i);
    p.text_char_offset = text_char_offset_[j];
    p.example_index = example_index_[j];
    p.source = source_[j];
    p.weight = weight_[j];
    p.silver = silver_[j];
    if (!lost_off_.empty()) p.lost_gold.assign(lost_.begin() + lost_off_[i], lost_.begin() + lost_off_[i + 1]);
    out->push_back(std::move(p));
  }
}

void PreparedReader::select_labels(const std::vector<SchemaLabel>& keep) {
  if (!label_map_.empty()) throw std::logic_error("PreparedReader::select_labels called twice: " + path_);
  std::vector<int32_t> map(meta_.labels.size(), -1);
  std::vector<std::string> names, descs;
  for (const SchemaLabel& l : keep) {
    auto it = std::find(meta_.labels.begin(), meta_.labels.end(), l.name);
    if (it == meta_.labels.end()) {
      std::string have;
      for (const auto& n : meta_.labels) have += (have.empty() ? "" : ", ") + n;
      throw InputError(path_, 0, "labels",
                       "'" + l.name + "' is not a label of this prepared file (it has: " + have + ")");
    }
    const size_t old = static_cast<size_t>(it - meta_.labels.begin());
    if (map[old] >= 0) throw InputError(path_, 0, "labels", "'" + l.name + "' is listed twice");
    map[old] = static_cast<int32_t>(names.size());
    names.push_back(l.name);
    descs.push_back(l.description.empty() ? meta_.label_descriptions.at(old) : l.description);
  }
  // Rows annotated for a label set (schema) that holds none of the selected labels say nothing
  // about them: they are left out rather than read as negatives.
  std::vector<int32_t> schema;
  {
    std::lock_guard<std::mutex> lk(h5_mutex());
    schema = read_all<int32_t>(file_, path_, "/schema/labels");
  }
  std::vector<int64_t> rows;
  std::vector<int32_t> lengths;
  for (int64_t i = 0; i < n_; ++i) {
    bool any = schema_off_[i] == schema_off_[i + 1];  // no schema: scored against every label
    for (int64_t k = schema_off_[i]; k < schema_off_[i + 1] && !any; ++k) {
      const int32_t id = schema[static_cast<size_t>(k)];
      any = id >= 0 && static_cast<size_t>(id) < map.size() && map[static_cast<size_t>(id)] >= 0;
    }
    if (any) rows.push_back(i), lengths.push_back(length_tokens_[static_cast<size_t>(i)]);
  }
  label_map_ = std::move(map);
  rows_ = std::move(rows);
  length_tokens_ = std::move(lengths);
  n_ = static_cast<int64_t>(rows_.size());
  meta_.labels = std::move(names);
  meta_.label_descriptions = std::move(descs);
}

void PreparedReader::read_with_labels_of(const PreparedMeta& train) {
  if (meta_.labels == train.labels) return;
  std::vector<SchemaLabel> keep;
  for (size_t i = 0; i < train.labels.size(); ++i)
    keep.push_back(SchemaLabel{train.labels[i], train.label_descriptions.at(i)});
  try {
    select_labels(keep);
  } catch (const InputError& e) {  // a train label the file lacks
    throw InputError(e.file(), e.line(), e.field(),
                     e.reason() + "; prepare it with the train split's labels (`labels:` in the prepare config)");
  }
}

void PreparedReader::remap(PreparedExample* ex) const {
  if (label_map_.empty()) return;
  auto mapped = [&](int32_t id) {
    return id >= 0 && static_cast<size_t>(id) < label_map_.size() ? label_map_[static_cast<size_t>(id)] : -1;
  };
  std::vector<int32_t> schema;
  for (int32_t id : ex->schema_labels)
    if (mapped(id) >= 0) schema.push_back(mapped(id));
  ex->schema_labels = std::move(schema);
  std::vector<UnitSpan> spans;
  for (const UnitSpan& sp : ex->spans)
    if (mapped(sp.label) >= 0) spans.push_back(UnitSpan{sp.start, sp.end, mapped(sp.label)});
  ex->spans = std::move(spans);
  std::vector<int32_t> lost;
  for (size_t k = 0; k + 2 < ex->lost_gold.size(); k += 3)
    if (mapped(ex->lost_gold[k + 2]) >= 0) lost.insert(lost.end(), {ex->lost_gold[k], ex->lost_gold[k + 1], mapped(ex->lost_gold[k + 2])});
  ex->lost_gold = std::move(lost);
}

PreparedExample PreparedReader::get(int64_t i) {
  return std::move(get_many({i})[0]);
}

std::vector<PreparedExample> PreparedReader::get_many(const std::vector<int64_t>& idx_in) {
  std::vector<int64_t> idx = idx_in;
  for (int64_t& r : idx) {
    if (r < 0 || r >= n_)
      throw std::out_of_range(path_ + ": row " + std::to_string(r) + " out of range [0, " + std::to_string(n_) + ")");
    if (!rows_.empty() || !label_map_.empty()) r = rows_[static_cast<size_t>(r)];  // selected row -> file row
  }
  std::vector<std::pair<int64_t, size_t>> order;  // (row, position in idx)
  order.reserve(idx.size());
  for (size_t k = 0; k < idx.size(); ++k) order.emplace_back(idx[k], k);
  std::sort(order.begin(), order.end());
  std::vector<int64_t> uniq;
  for (const auto& o : order)
    if (uniq.empty() || uniq.back() != o.first) uniq.push_back(o.first);

  std::vector<PreparedExample> rows;  // rows[j] = row uniq[j]
  rows.reserve(uniq.size());
  {
    std::lock_guard<std::mutex> lk(h5_mutex());
    for (size_t j = 0; j < uniq.size();) {
      size_t e = j + 1;
      while (e < uniq.size() && uniq[e] == uniq[e - 1] + 1) ++e;
      read_run(uniq[j], uniq[e - 1] + 1, &rows);
      j = e;
    }
  }
  for (PreparedExample& r : rows) remap(&r);
  std::vector<PreparedExample> out(idx.size());
  size_t j = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && order[k].first != order[k - 1].first) ++j;
    const bool last_use = k + 1 == order.size() || order[k + 1].first != order[k].first;
    if (last_use) out[order[k].second] = std::move(rows[j]);
    else out[order[k].second] = rows[j];
  }
  return out;
}

}  // namespace gtrain
