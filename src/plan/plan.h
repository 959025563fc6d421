// `gtrain plan`: for each GPU type of the catalog (and the local device when measured), whether a
// run's micro-batch fits, the largest that does, the time of a step, an epoch and the run, and what
// the run, its repeats and a sweep cost. Torch-free; the command gathers the inputs.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "config/train_config.h"
#include "model/encoder_config.h"
#include "plan/cost.h"
#include "plan/gpu_catalog.h"
#include "plan/memory_model.h"
#include "plan/time_model.h"
#include "plan/work.h"

namespace gtrain {

struct PlanOptions {
  std::vector<std::string> gpus;  // catalog keys, in order
  int nodes = 1, gpus_per_node = 1;
  double bus_gbs = 0;             // > 0: replaces the interconnect table
  std::string inter_node;         // the link between nodes (an interconnect key); "" = the catalog's
  int repeats = 1;                // runs per configuration (scenario B: 3)
};

// The local device, timed by `plan --measure` (a few real steps at the config's model and lengths).
struct LocalMeasurement {
  std::string device;        // "cpu" or the GPU's name
  double achieved_flops = 0; // FLOP/s of the measured steps' forward and backward passes
  // One optimizer step (clipping + AdamW) per parameter it updates, measured with every
  // parameter trained; the plan scales it to the config's trainable ones (LoRA: the adapters).
  double optimizer_seconds_per_parameter = 0;
  double peak_flops = 0;     // what the efficiency is taken against (CPU: its measured sgemm)
  double memory_bytes = 0;   // what the device holds (CPU: physical memory)
};

struct PlanRow {
  std::string key, name;
  double capacity = 0;         // bytes
  bool supported = true;       // the precision exists on this GPU (bf16 on a T4 does not)
  MemoryEstimate memory;       // at the configured micro-batch
  bool fits = false;
  int64_t max_batch = 0;       // largest micro-batch that fits
  DeviceSpeed speed;
  std::string efficiency_source;  // "measured" | "table"
  EpochTime epoch;
  RunCost cost;
  bool priced = false;
  std::string price_source;    // provider instance (date)
};

struct Plan {
  std::string config;
  EncoderConfig encoder;
  ParamCount params;
  int64_t rows = 0, text_tokens = 0, prompt_tokens = 0, labels = 0, dev_rows = 0, max_row_tokens = 0;
  std::string data_source;
  RunShape shape;
  BatchShape largest;
  int epochs = 0, repeats = 1;
  Precision precision = Precision::FP32;
  bool gradient_checkpointing = false;
  EpochFlops flops;
  std::optional<SweepWork> sweep;
  std::string sweep_file;
  int nodes = 1, gpus_per_node = 1;
  double bus_gbs_override = 0;
  std::vector<PlanRow> rows_out;
  std::vector<std::string> assumptions;
};

Plan make_plan(const std::string& config_path, const TrainConfig& cfg, const EncoderConfig& enc, const EpochWork& work,
               const GpuCatalog& catalog, const PlanOptions& opts, const std::optional<SweepWork>& sweep,
               const std::optional<LocalMeasurement>& local);

}  // namespace gtrain
