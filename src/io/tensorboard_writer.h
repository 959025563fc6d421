// Torch-free TensorBoard scalar writer (and a verifying reader for tests and tools).
//
// File: <dir>/events.out.tfevents.<unix seconds, 10 digits>.<hostname>.<pid>.<n>
//   TensorBoard picks up any file whose name contains "tfevents"; this is the name TensorFlow,
//   tensorboardX and torch.utils.tensorboard use. <n> counts the writers this process has opened
//   (0 for the first); if the name already exists, <n> is bumped rather than clobbering a file.
//
// Container: a TFRecord file, a plain sequence of records, each
//   uint64  length                    little-endian, bytes of `data`
//   uint32  masked_crc32c(length)     over the 8 length bytes as stored
//   byte    data[length]              one serialized tensorflow.Event protobuf
//   uint32  masked_crc32c(data)
// with masked_crc32c(x) = ((c >> 15) | (c << 17)) + 0xa282ead8, c = CRC-32C(x) (io/crc32c.h).
//
// Payload (tensorflow/core/util/event.proto, summary.proto), hand-encoded; field numbers:
//   Event   { double wall_time = 1;  int64 step = 2;
//             oneof what { string file_version = 3; ...; Summary summary = 5; ... } }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; oneof value { float simple_value = 2; ... } }
// Wire encoding: key = (field << 3) | wire type; varint (0) for step (negative steps take the
// 10-byte two's complement form), fixed64 (1) for the double, length-delimited (2) for strings and
// sub-messages, fixed32 (5) for the float; all little-endian.
//   record 0:  Event{wall_time, file_version = "brain.Event:2"}
//   then:      Event{wall_time, step, summary = Summary{Value{tag, simple_value}, ...}}
// simple_value is always written, even when 0 (it sits in a oneof, so TensorBoard needs it present).
// Values are stored as 32-bit floats, as TensorBoard's scalar summaries are.
//
// Every add_scalar / add_scalars call writes its record(s) and fflush()es, so a running
// `tensorboard --logdir <dir>` sees progress while training runs. Not meant for several processes
// writing one file: give each writer (rank 0, normally) its own file, which the name already does.
#pragma once
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gtrain {

class TensorBoardWriter {
 public:
  // Creates `dir` (and parents) if needed, opens a new event file in it and writes the
  // file_version record. Throws std::runtime_error naming the path on any I/O failure.
  explicit TensorBoardWriter(const std::string& dir);
  ~TensorBoardWriter();  // flushes and closes; never throws
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  // One scalar, one Event. wall_time: seconds since the Unix epoch; omitted = now.
  void add_scalar(const std::string& tag, int64_t step, double value,
                  std::optional<double> wall_time = std::nullopt);
  // Several scalars of one step in one Event (Summary.value is repeated), one fflush.
  void add_scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values,
                   std::optional<double> wall_time = std::nullopt);

  void flush();
  void close();  // flush + fclose; later writes throw. Idempotent.

  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& data);  // caller holds mu_
  void flush_locked();
  std::mutex mu_;
  std::string path_;
  std::FILE* f_ = nullptr;
};

// Seconds since the Unix epoch, with sub-second resolution (what Event.wall_time holds).
double unix_time_now();

// ---- reading (tests, tools) -------------------------------------------------------------------

// The records of a TFRecord file, each checked against both of its CRCs. Throws
// std::runtime_error "<path>: record <i> (offset <o>): <what>" on a length-CRC or data-CRC
// mismatch or a truncated record.
std::vector<std::string> read_tfrecords(const std::string& path);

struct TensorBoardEvent {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;  // empty unless this is the file_version event
  bool has_summary = false;
  std::vector<std::pair<std::string, float>> simple_values;  // Summary values with simple_value
};
// Decodes one serialized Event. Unknown fields are skipped; Summary values carrying something
// other than simple_value (images, histograms, tensors) are left out. Throws std::runtime_error
// on malformed protobuf.
TensorBoardEvent parse_tensorboard_event(const std::string& bytes);

// Every record of the file, decoded; errors name the file and the record index.
std::vector<TensorBoardEvent> read_tensorboard_events(const std::string& path);

struct TensorBoardScalar {
  std::string tag;
  int64_t step = 0;
  float value = 0;
  double wall_time = 0;
};
// All simple_value scalars in file order (one entry per Summary value).
std::vector<TensorBoardScalar> read_tensorboard_scalars(const std::string& path);

}  // namespace gtrain
