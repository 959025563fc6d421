// Prepared-data HDF5 store: an atomic writer and a random-access reader.
// The on-disk layout is documented in docs/data-format.md ("## HDF5 layout").
//
// All HDF5 calls made here are serialised by one process-wide mutex (the Debian HDF5 build is
// not thread-safe), so writers and readers may be used from several threads (e.g. a data-loader
// thread); concurrent calls simply take turns.
#pragma once
#include <cstdint>
#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "data/example.h"
#include "data/prepared.h"
#include "io/atomic_file.h"

namespace gtrain {

// Writes one prepared split. Rows are buffered in memory (column-wise); write() builds the HDF5
// file in memory (HDF5's core driver: no disk I/O inside HDF5, so a full disk cannot leave HDF5
// holding a half-written file) and writes its bytes to `final_path + ".tmp.<pid>"`, synced;
// publish() renames that onto final_path. prepare writes every split before publishing any, so a
// failure leaves the previous set of files as it was. Destroying the writer before publish()
// removes the temporary file; an existing final_path is never touched before publish().
class PreparedWriter {
 public:
  // Throws InputError (field "path") when the temporary file cannot be created.
  PreparedWriter(const std::string& final_path, const PreparedMeta& meta);
  ~PreparedWriter();
  PreparedWriter(const PreparedWriter&) = delete;
  PreparedWriter& operator=(const PreparedWriter&) = delete;

  void add(const PreparedExample& ex);
  // Writes everything to the temporary file. num_examples/num_tokens/num_units/num_spans are
  // taken from the added rows (the values in meta are ignored). Throws std::runtime_error naming
  // the temporary file (and the cause, e.g. "File too large"). add/write after write throw
  // std::logic_error.
  void write();
  // Renames the written temporary file onto final_path.
  void publish();
  // write() then publish().
  void commit();

  int64_t size() const { return static_cast<int64_t>(length_tokens_.size()); }
  const std::string& temp_path() const { return tmp_path_; }

 private:
  std::string final_path_, tmp_path_;
  std::unique_ptr<AtomicFileWriter> out_;  // tmp_path_, renamed to final_path_ by publish()
  PreparedMeta meta_;
  bool written_ = false;
  void write_contents(int64_t file);  // hid_t: every dataset and attribute

  std::vector<int32_t> tok_ids_;
  std::vector<int64_t> tok_off_{0};
  std::vector<int32_t> unit_token_, unit_cs_, unit_ce_;
  std::vector<int64_t> unit_off_{0};
  std::vector<int32_t> span_start_, span_end_, span_label_;
  std::vector<int64_t> span_off_{0};
  std::vector<int32_t> schema_;
  std::vector<int64_t> schema_off_{0};
  std::vector<uint8_t> text_;
  std::vector<int64_t> text_off_{0};
  std::vector<int32_t> length_tokens_, text_char_offset_, example_index_, source_;
  std::vector<float> weight_;
  std::vector<uint8_t> silver_;
  std::vector<int32_t> lost_;
  std::vector<int64_t> lost_off_{0};
};

// Whether `path` is an HDF5 file carrying the prepared-data attributes (format_version): a split
// file of some earlier `gtrain prepare`, which prepare may replace or remove.
bool is_prepared_file(const std::string& path);

// Opens a prepared file once and reads rows on demand (hyperslab reads; the whole ragged
// datasets are never loaded). Offsets and per-example scalars are read eagerly.
class PreparedReader {
 public:
  // Throws InputError naming the file for: missing file (field "path"), a file that is not
  // HDF5 (field "path"), another format_version (field "format_version"), another tokenizer
  // fingerprint when expected_fingerprint is non-empty (field "tokenizer_fingerprint"), and
  // inconsistent datasets (field = the dataset name).
  explicit PreparedReader(const std::string& path, const std::string& expected_fingerprint = "");
  ~PreparedReader();
  PreparedReader(const PreparedReader&) = delete;
  PreparedReader& operator=(const PreparedReader&) = delete;

  const PreparedMeta& meta() const { return meta_; }
  const std::string& path() const { return path_; }
  int64_t size() const { return n_; }
  int32_t length_tokens(int64_t i) const { return length_tokens_.at(static_cast<size_t>(i)); }
  const std::vector<int32_t>& lengths_tokens() const { return length_tokens_; }
  // The original example a row (a window of it) came from: (source, example_index) names the
  // document; document-level evaluation merges a document's rows (eval/window_merge.h).
  int32_t source(int64_t i) const { return source_.at(static_cast<size_t>(file_row(i))); }
  int32_t example_index(int64_t i) const { return example_index_.at(static_cast<size_t>(file_row(i))); }
  // Throws InputError naming the file and row when a token id is negative or >= vocab_size (a
  // model's embedding would otherwise fail deep inside torch with no file or row named).
  void check_token_ids(int64_t vocab_size) const;

  // Trains/evaluates on a subset of the prepared labels (a config's data.labels), in the given
  // order; a non-empty description replaces the prepared one. Rows come back with label ids of
  // the new set and without spans of other labels; a row annotated only for other labels is left
  // out (size() shrinks). Throws InputError naming the file and the unknown or repeated label.
  void select_labels(const std::vector<SchemaLabel>& keep);
  // A dev or test file prepared apart from train may list the labels otherwise: reads it with
  // train's label ids, order and descriptions (select_labels of train's list; nothing when the
  // lists are the same). Used by training and by the planner, so both read the same rows.
  void read_with_labels_of(const PreparedMeta& train);

  PreparedExample get(int64_t i);
  // Rows in the order of idx (duplicates allowed). Indices are sorted internally and each
  // contiguous run is read with one hyperslab per dataset.
  std::vector<PreparedExample> get_many(const std::vector<int64_t>& idx);

  // Number of array elements read from the row datasets so far (for tests / diagnostics).
  int64_t elements_read() const { return elements_read_; }

 private:
  int64_t file_row(int64_t i) const { return rows_.empty() ? i : rows_.at(static_cast<size_t>(i)); }
  void close_all() noexcept;
  void read_run(int64_t a, int64_t b, std::vector<PreparedExample>* out);  // rows [a, b)

  std::string path_;
  PreparedMeta meta_;
  int64_t file_ = -1;  // hid_t
  int64_t n_ = 0;
  // Open dataset handles (hid_t) for the ragged data.
  int64_t d_tok_ = -1, d_ut_ = -1, d_ucs_ = -1, d_uce_ = -1, d_ss_ = -1, d_se_ = -1, d_sl_ = -1,
          d_schema_ = -1, d_text_ = -1;
  std::vector<int64_t> tok_off_, unit_off_, span_off_, schema_off_, text_off_;
  int32_t max_token_id_ = INT32_MIN, min_token_id_ = INT32_MAX;
  int64_t max_token_pos_ = -1, min_token_pos_ = -1;
  std::vector<int32_t> length_tokens_, text_char_offset_, example_index_, source_;
  std::vector<float> weight_;
  std::vector<uint8_t> silver_;
  std::vector<int32_t> lost_;         // /lost/gold, read whole (a few per document); empty in older files
  std::vector<int64_t> lost_off_;     // /lost/offsets (empty in older files)
  int64_t elements_read_ = 0;
  // After select_labels: prepared label id -> selected id (-1 = dropped), and the rows kept
  // (original row numbers; empty = all rows).
  std::vector<int32_t> label_map_;
  std::vector<int64_t> rows_;
  void remap(PreparedExample* ex) const;
};

}  // namespace gtrain
