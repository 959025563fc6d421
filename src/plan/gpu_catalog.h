// The GPU catalog of `gtrain plan`: GPU types (memory, peak FLOP/s per precision, memory
// bandwidth, interconnect, the assumed share of peak a training step reaches), all-reduce bus
// bandwidths per interconnect and providers' hourly prices. Loaded from a user-editable YAML
// (configs/plan/gpus.yaml). Torch-free.
#pragma once
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/train_config.h"  // Precision

namespace gtrain {

struct GpuType {
  std::string key;   // t4, a10g, a100-40gb, ... (what --gpus names)
  std::string name;  // NVIDIA T4
  double memory_gib = 0;
  double fp32_tflops = 0, tf32_tflops = 0, fp16_tflops = 0, bf16_tflops = 0;
  double memory_bandwidth_gbs = 0;
  std::string interconnect;  // a key of GpuCatalog::interconnects
  double efficiency_fp32 = 0, efficiency_half = 0;  // assumed share of the peak a step reaches

  // Dense peak FLOP/s of the precision a run uses (fp32: CUDA cores; fp16 / bf16: tensor cores);
  // 0 when the GPU lacks it (bf16 on a T4).
  double peak_flops(Precision p) const;
  double efficiency(Precision p) const { return p == Precision::FP32 ? efficiency_fp32 : efficiency_half; }
};

struct Interconnect {
  std::string key;
  double bus_gbs = 0;  // ring all-reduce bus bandwidth, GB/s
};

struct GpuPrice {
  std::string provider, instance, gpu, date;
  int gpus = 1;
  double usd_per_hour = 0;  // the instance
  double per_gpu_hour() const { return usd_per_hour / gpus; }
};

struct GpuCatalog {
  std::string file;
  std::vector<GpuType> gpus;
  std::vector<Interconnect> interconnects;
  std::string inter_node;  // interconnect between nodes
  std::vector<GpuPrice> prices;

  const GpuType* find_gpu(const std::string& key) const;          // nullptr when absent
  const Interconnect* find_interconnect(const std::string& key) const;
  // Among the instances with at least min_gpus GPUs of that type (the node a plan's ranks share).
  const GpuPrice* cheapest_price(const std::string& gpu_key, int min_gpus = 1) const;  // per GPU-hour; nullptr = none listed
};

// Parses a catalog tree; errors are InputErrors naming the file, line and field
// ("gpus.t4.memory_gib"). Every GPU's interconnect and every price's gpu must be defined.
GpuCatalog parse_gpu_catalog(const YAML::Node& root, const std::string& file);
GpuCatalog load_gpu_catalog(const std::string& path);

}  // namespace gtrain
