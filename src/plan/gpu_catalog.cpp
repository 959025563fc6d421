#include "plan/gpu_catalog.h"

#include "config/yaml_check.h"
#include "io/input_error.h"

namespace gtrain {

double GpuType::peak_flops(Precision p) const {
  const double tf = p == Precision::FP32 ? fp32_tflops : p == Precision::FP16 ? fp16_tflops : bf16_tflops;
  return tf * 1e12;
}

const GpuType* GpuCatalog::find_gpu(const std::string& key) const {
  for (const GpuType& g : gpus)
    if (g.key == key) return &g;
  return nullptr;
}

const Interconnect* GpuCatalog::find_interconnect(const std::string& key) const {
  for (const Interconnect& i : interconnects)
    if (i.key == key) return &i;
  return nullptr;
}

const GpuPrice* GpuCatalog::cheapest_price(const std::string& gpu_key, int min_gpus) const {
  const GpuPrice* best = nullptr;
  for (const GpuPrice& p : prices)
    if (p.gpu == gpu_key && p.gpus >= min_gpus && (!best || p.per_gpu_hour() < best->per_gpu_hour())) best = &p;
  return best;
}

namespace {

// A number that must be >= 0 (> 0 when `positive`), naming where.field on error.
double non_negative(const YAML::Node& n, const std::string& key, const std::string& file, const std::string& where,
                    bool positive) {
  if (!n[key]) throw InputError(file, yaml_line(n), where + "." + key, "missing");
  const double v = get_double(n, key, file, where, 0);
  if (v < 0 || (positive && v == 0))
    throw InputError(file, yaml_line(n[key]), where + "." + key, positive ? "must be > 0" : "must be >= 0");
  return v;
}

void require_map(const YAML::Node& n, const std::string& file, const std::string& where) {
  if (!n || !n.IsMap()) throw InputError(file, n ? yaml_line(n) : 0, where, "expected a map");
}

}  // namespace

GpuCatalog parse_gpu_catalog(const YAML::Node& root, const std::string& file) {
  GpuCatalog c;
  c.file = file;
  require_map(root, file, "");
  check_keys(root, {"gpus", "interconnects", "inter_node", "prices"}, file, "");
  require_map(root["interconnects"], file, "interconnects");
  for (const auto& kv : root["interconnects"]) {
    Interconnect i;
    i.key = kv.first.as<std::string>();
    const std::string where = "interconnects." + i.key;
    require_map(kv.second, file, where);
    check_keys(kv.second, {"bus_gbs"}, file, where);
    i.bus_gbs = non_negative(kv.second, "bus_gbs", file, where, true);
    c.interconnects.push_back(i);
  }
  c.inter_node = get_string(root, "inter_node", file, "", "", true);
  if (!c.find_interconnect(c.inter_node))
    throw InputError(file, yaml_line(root["inter_node"]), "inter_node", "'" + c.inter_node + "' is not under interconnects");
  require_map(root["gpus"], file, "gpus");
  for (const auto& kv : root["gpus"]) {
    GpuType g;
    g.key = kv.first.as<std::string>();
    const std::string where = "gpus." + g.key;
    const YAML::Node& n = kv.second;
    require_map(n, file, where);
    check_keys(n, {"name", "memory_gib", "fp32_tflops", "tf32_tflops", "fp16_tflops", "bf16_tflops",
                   "memory_bandwidth_gbs", "interconnect", "efficiency_fp32", "efficiency_half"},
               file, where);
    g.name = get_string(n, "name", file, where, g.key);
    g.memory_gib = non_negative(n, "memory_gib", file, where, true);
    g.fp32_tflops = non_negative(n, "fp32_tflops", file, where, true);
    g.tf32_tflops = non_negative(n, "tf32_tflops", file, where, false);
    g.fp16_tflops = non_negative(n, "fp16_tflops", file, where, false);
    g.bf16_tflops = non_negative(n, "bf16_tflops", file, where, false);
    g.memory_bandwidth_gbs = non_negative(n, "memory_bandwidth_gbs", file, where, true);
    g.interconnect = get_string(n, "interconnect", file, where, "", true);
    if (!c.find_interconnect(g.interconnect))
      throw InputError(file, yaml_line(n["interconnect"]), where + ".interconnect",
                       "'" + g.interconnect + "' is not under interconnects");
    for (const char* k : {"efficiency_fp32", "efficiency_half"}) {
      const double e = non_negative(n, k, file, where, true);
      if (e > 1) throw InputError(file, yaml_line(n[k]), where + "." + k, "a share of the peak: must be in (0, 1]");
      (std::string(k) == "efficiency_fp32" ? g.efficiency_fp32 : g.efficiency_half) = e;
    }
    c.gpus.push_back(g);
  }
  if (root["prices"]) {
    if (!root["prices"].IsSequence()) throw InputError(file, yaml_line(root["prices"]), "prices", "expected a list");
    int idx = 0;
    for (const auto& n : root["prices"]) {
      const std::string where = "prices[" + std::to_string(idx++) + "]";
      require_map(n, file, where);
      check_keys(n, {"provider", "instance", "gpu", "gpus", "usd_per_hour", "date"}, file, where);
      GpuPrice p;
      p.provider = get_string(n, "provider", file, where, "", true);
      p.instance = get_string(n, "instance", file, where, "");
      p.gpu = get_string(n, "gpu", file, where, "", true);
      if (!c.find_gpu(p.gpu)) throw InputError(file, yaml_line(n["gpu"]), where + ".gpu", "'" + p.gpu + "' is not under gpus");
      p.gpus = static_cast<int>(get_int(n, "gpus", file, where, 1));
      if (p.gpus < 1) throw InputError(file, yaml_line(n["gpus"]), where + ".gpus", "must be >= 1");
      p.usd_per_hour = non_negative(n, "usd_per_hour", file, where, true);
      p.date = get_string(n, "date", file, where, "", true);
      c.prices.push_back(p);
    }
  }
  return c;
}

GpuCatalog load_gpu_catalog(const std::string& path) { return parse_gpu_catalog(load_yaml_file(path), path); }

}  // namespace gtrain
