#include "plan/units.h"
#include "plan/plan.h"

#include <stdexcept>

#include "io/shortest_decimal.h"

namespace gtrain {

namespace {

using plan_units::kGiB;

PlanRow plan_row(const Plan& p, const EpochWork& work, const MemorySettings& ms, double capacity,
                 const DeviceSpeed& speed, const AllReduce& ar, double optimizer_s) {
  PlanRow r;
  r.capacity = capacity;
  r.memory = estimate_memory(p.encoder, p.params, p.largest, ms);
  r.fits = r.memory.total() <= capacity;
  r.max_batch = largest_fitting_batch(p.encoder, p.params, work, ms, capacity);
  r.speed = speed;
  r.epoch = epoch_time(p.flops, speed, p.shape, ar, optimizer_s);
  return r;
}

}  // namespace

Plan make_plan(const std::string& config_path, const TrainConfig& cfg, const EncoderConfig& enc, const EpochWork& work,
               const GpuCatalog& catalog, const PlanOptions& opts, const std::optional<SweepWork>& sweep,
               const std::optional<LocalMeasurement>& local) {
  if (opts.nodes < 1 || opts.gpus_per_node < 1) throw std::invalid_argument("plan: --nodes and --gpus-per-node must be >= 1");
  Plan p;
  p.config = config_path;
  p.encoder = enc;
  p.params = count_parameters(enc, cfg.model.counting_layer, cfg.model.lora);
  p.rows = static_cast<int64_t>(work.rows.size());
  p.text_tokens = work.text_tokens();
  p.prompt_tokens = work.prompt_tokens;
  p.labels = work.labels;
  p.dev_rows = static_cast<int64_t>(work.dev.size());
  p.data_source = work.source;
  const int ranks = opts.nodes * opts.gpus_per_node;
  p.nodes = opts.nodes, p.gpus_per_node = opts.gpus_per_node;
  p.shape = run_shape(work.rows, cfg.optim.batch_size, cfg.optim.grad_accum, ranks, cfg.optim.token_budget,
                      cfg.optim.seed);
  p.largest = largest_batch(work, cfg.optim.batch_size);
  p.max_row_tokens = p.largest.seq_len;  // the longest row
  p.epochs = cfg.optim.epochs;
  p.repeats = opts.repeats;
  p.precision = cfg.precision;
  p.gradient_checkpointing = cfg.model.gradient_checkpointing;
  p.flops = epoch_flops(enc, work);
  p.sweep = sweep;
  p.bus_gbs_override = opts.bus_gbs;

  MemorySettings ms;
  ms.precision = cfg.precision;
  ms.gradient_checkpointing = cfg.model.gradient_checkpointing;
  ms.ranks = ranks;
  ms.bucket_mb = cfg.comm.bucket_mb;
  // Across nodes the ring runs at the inter-node link: named in the assumptions, since it sets the
  // all-reduce time (2 nodes of 8 A100 over 25G Ethernet: 20x a node's step).
  const std::string inter_node = opts.inter_node.empty() ? catalog.inter_node : opts.inter_node;
  std::string inter_node_note;
  if (opts.nodes > 1 && opts.bus_gbs <= 0) {
    const Interconnect* ic = catalog.find_interconnect(inter_node);
    if (!ic) {
      std::string known;
      for (const Interconnect& i : catalog.interconnects) known += (known.empty() ? "" : ", ") + i.key;
      throw std::invalid_argument("plan: --inter-node: '" + inter_node + "' is not in " + catalog.file + " (" + known + ")");
    }
    inter_node_note = "across nodes: the all-reduce ring runs at the link between nodes, " + inter_node + " (" +
                      shortest_decimal(ic->bus_gbs) + " GB/s bus bandwidth; " +
                      (opts.inter_node.empty() ? "the catalog's inter_node" : "--inter-node") +
                      "): --inter-node names another of the catalog's, --bus-gbs a measured figure";
  }
  AllReduce ar;
  ar.ranks = ranks;
  ar.gradient_bytes = 4.0 * static_cast<double>(p.params.trainable);
  ar.overlap = cfg.comm.overlap;

  if (local) {
    MemorySettings lm = ms;
    lm.cuda = local->device != "cpu";
    DeviceSpeed sp{local->peak_flops, local->peak_flops > 0 ? local->achieved_flops / local->peak_flops : 0};
    AllReduce lar = ar;
    lar.bus_gbs = opts.bus_gbs;
    PlanRow r = plan_row(p, work, lm, local->memory_bytes, sp, lar,
                         local->optimizer_seconds_per_parameter * static_cast<double>(p.params.trainable));
    r.key = "local";
    r.name = local->device + " (this machine)";
    r.efficiency_source = "measured";
    r.cost = run_cost(r.epoch.total(), p.epochs, ranks, 0, p.repeats, p.sweep ? &*p.sweep : nullptr);
    p.rows_out.push_back(r);
  }
  for (const std::string& key : opts.gpus) {
    const GpuType* g = catalog.find_gpu(key);
    if (!g) {
      std::string known;
      for (const GpuType& t : catalog.gpus) known += (known.empty() ? "" : ", ") + t.key;
      throw std::invalid_argument("plan: --gpus: '" + key + "' is not in " + catalog.file + " (" + known + ")");
    }
    DeviceSpeed sp{g->peak_flops(cfg.precision), g->efficiency(cfg.precision)};
    AllReduce gar = ar;
    if (opts.bus_gbs > 0) {
      gar.bus_gbs = opts.bus_gbs;
    } else {
      // Across nodes the slowest link carries the ring: the inter-node network.
      const Interconnect* ic = catalog.find_interconnect(opts.nodes > 1 ? inter_node : g->interconnect);
      gar.bus_gbs = ic ? ic->bus_gbs : 0;
    }
    PlanRow r = plan_row(p, work, ms, g->memory_gib * kGiB, sp, gar,
                         optimizer_step_seconds(p.params.trainable, g->memory_bandwidth_gbs, cfg.precision == Precision::FP16));
    r.key = key;
    r.name = g->name;
    r.supported = sp.peak_flops > 0;
    r.efficiency_source = "table";  // a measured efficiency is the `local` row's
    const GpuPrice* price = catalog.cheapest_price(key, opts.gpus_per_node);
    r.priced = price != nullptr;
    if (price) r.price_source = price->provider + " " + price->instance + " (" + price->date + ")";
    r.cost = run_cost(r.epoch.total(), p.epochs, ranks, price ? price->per_gpu_hour() : 0, p.repeats,
                      p.sweep ? &*p.sweep : nullptr);
    p.rows_out.push_back(r);
  }
  p.assumptions = {
      "time = model FLOPs (model/flops.h, 3 x forward per training row, the formula of bench step's MFU) / (peak x efficiency)"
      " + per optimizer step 40 bytes per trainable parameter (52 with fp16's loss scaling) at the memory bandwidth (clipping + AdamW; measured on 'local')",
      "efficiency: 'table' = the catalog's assumed share of the peak; 'measured' = plan --measure on this device",
      "rows are batched by length (little padding): each row costs its own length's FLOPs",
      "dev evaluation once per epoch (forward passes of the dev split); checkpoints and logging not counted",
      "memory: fp32 weights + AdamW (2 x fp32) + the backward pass's peak of activations / gradients; "
      "GPU: + 0.5 GiB CUDA context and 10% allocator slack",
      "price: the cheapest listed per GPU-hour among instances with at least --gpus-per-node GPUs (none listed: "
      "no price); an instance's other GPUs idle unless --gpus-per-node uses them",
  };
  if (!inter_node_note.empty()) p.assumptions.push_back(inter_node_note);
  return p;
}

}  // namespace gtrain
