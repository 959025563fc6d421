#include "plan/units.h"
#include "plan/plan_report.h"

#include <cstdio>
#include <sstream>

namespace gtrain {

namespace {

using plan_units::kGiB;
using plan_units::kMiB;

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string money(double usd) { return usd >= 100 ? fmt("$%.0f", usd) : fmt("$%.2f", usd); }

std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

}  // namespace

std::string format_duration(double s) {
  if (s < 120) return fmt("%.1f s", s);
  if (s < 7200) return fmt("%.1f min", s / 60);
  return fmt("%.1f h", s / 3600);
}

std::string plan_table(const Plan& p) {
  std::ostringstream o;
  const int ranks = p.nodes * p.gpus_per_node;
  o << "plan for " << p.config << "\n";
  o << "  model     " << p.encoder.model_type() << " hidden " << p.encoder.hidden_size() << " x "
    << p.encoder.num_hidden_layers() << " layers, vocab " << p.encoder.vocab_size() << ": " << p.params.total()
    << " parameters (" << p.params.trainable << " trainable, " << p.params.frozen() << " frozen"
    << (p.params.lora > 0 ? ", LoRA " + std::to_string(p.params.lora) : std::string()) << ")\n";
  o << "  data      " << p.rows << " training rows (" << p.data_source << "), " << p.text_tokens
    << " text tokens + a " << p.prompt_tokens << "-token prompt (" << p.labels << " labels) per row; longest row "
    << p.max_row_tokens << " tokens; " << p.dev_rows << " dev rows\n";
  o << "  run       " << p.epochs << " epochs x " << p.shape.steps_per_epoch << " steps (batch " << p.shape.batch
    << (p.shape.token_budget > 0 ? " rows or " + std::to_string(p.shape.token_budget) + " tokens" : std::string())
    << " x accumulation " << p.shape.accum << " x " << ranks << " rank" << (ranks > 1 ? "s" : "") << " = "
    << p.shape.batch * p.shape.accum * ranks << (p.shape.token_budget > 0 ? " rows at most" : " rows") << " per step), " << precision_name(p.precision)
    << (p.gradient_checkpointing ? ", activation checkpointing" : "") << "; "
    << fmt("%.3g", p.flops.train) << " training FLOPs per epoch\n";
  if (p.nodes > 1 || p.gpus_per_node > 1)
    o << "  cluster   " << p.nodes << " node(s) x " << p.gpus_per_node << " GPUs"
      << (p.bus_gbs_override > 0 ? fmt(", all-reduce bus %.1f GB/s (--bus-gbs)", p.bus_gbs_override) : std::string()) << "\n";
  if (p.sweep)
    o << "  sweep     " << p.sweep_file << ": " << p.sweep->trials << " trials x "
      << fmt("%.2f", p.sweep->epochs_per_trial) << " expected epochs (of " << fmt("%.0f", p.sweep->full_epochs) << ")\n";
  if (p.repeats > 1) o << "  repeats   " << p.repeats << " runs of the config\n";
  o << "\n";
  const std::string rep_col = p.repeats > 1 ? "$ x " + std::to_string(p.repeats) : "";
  o << pad("GPU", 26) << " | " << pad("fits?", 12) << " | " << pad("batch", 14) << " | " << pad("s/step", 8) << " | "
    << pad("epoch", 9) << " | " << pad("total", 9) << " | " << pad("$ per run", 9)
    << (rep_col.empty() ? "" : " | " + pad(rep_col, 9)) << " | $ per sweep\n";
  o << std::string(26, '-') << "-|-" << std::string(12, '-') << "-|-" << std::string(14, '-') << "-|-" << std::string(8, '-')
    << "-|-" << std::string(9, '-') << "-|-" << std::string(9, '-') << "-|-" << std::string(9, '-')
    << (rep_col.empty() ? "" : "-|-" + std::string(9, '-')) << "-|-" << std::string(11, '-') << "\n";
  for (const PlanRow& r : p.rows_out) {
    std::string name = r.key == "local" ? r.name : r.key + fmt(" (%.0f GB)", r.capacity / kGiB);
    o << pad(name, 26) << " | ";
    if (!r.supported) {
      o << "no " << precision_name(p.precision) << " on this GPU\n";
      continue;
    }
    o << pad((r.fits ? "yes " : "NO ") + fmt("%.1f GB", r.memory.total() / kGiB), 12) << " | "
      << pad(std::to_string(p.shape.batch) + " (max " + std::to_string(r.max_batch) + ")", 14) << " | "
      << pad(fmt("%.3f", r.epoch.per_step()), 8) << " | " << pad(format_duration(r.epoch.total()), 9) << " | "
      << pad(format_duration(r.epoch.total() * p.epochs), 9) << " | "
      << pad(r.priced ? money(r.cost.usd_run) : "-", 9)
      << (rep_col.empty() ? "" : " | " + pad(r.priced ? money(r.cost.usd_repeats) : "-", 9)) << " | "
      << (p.sweep && r.priced ? money(r.cost.usd_sweep) + " (" + format_duration(r.cost.sweep_hours * 3600) + " GPU)"
                              : p.sweep ? format_duration(r.cost.sweep_hours * 3600) : "-")
      << "\n";
  }
  o << "\nper GPU: efficiency (share of peak) and price\n";
  for (const PlanRow& r : p.rows_out) {
    if (!r.supported) continue;
    o << "  " << pad(r.key, 10) << fmt(" %.1f TFLOP/s peak", r.speed.peak_flops / 1e12) << " x "
      << fmt("%.3f", r.speed.efficiency) << " (" << r.efficiency_source << ")"
      << (r.priced ? fmt(", $%.3f per GPU-hour, ", r.cost.usd_per_gpu_hour) + r.price_source : std::string()) << "\n";
  }
  if (!p.rows_out.empty()) {
    const MemoryEstimate& m = p.rows_out.front().memory;
    o << "\nmemory at batch " << p.shape.batch << " of the longest rows (" << p.largest.seq_len << " tokens, "
      << p.largest.words << " words, " << p.largest.spans << " spans), " << p.rows_out.front().key << ": weights "
      << fmt("%.0f", m.weights / kMiB) << " MiB, half copies " << fmt("%.0f", m.half_copies / kMiB)
      << " MiB, gradients " << fmt("%.0f", m.gradients / kMiB) << " MiB, AdamW " << fmt("%.0f", m.optimizer / kMiB)
      << " MiB, activations " << fmt("%.0f", m.activations / kMiB) << " MiB, backward peak "
      << fmt("%.0f", m.backward_peak / kMiB) << " MiB, buckets " << fmt("%.0f", m.buckets / kMiB)
      << " MiB, workspace " << fmt("%.0f", m.workspace / kMiB) << " MiB\n";
  }
  o << "\nassumptions (docs/planning.md):\n";
  for (const std::string& a : p.assumptions) o << "  - " << a << "\n";
  return o.str();
}

nlohmann::json plan_json(const Plan& p) {
  using nlohmann::json;
  json j;
  j["config"] = p.config;
  j["model"] = {{"type", p.encoder.model_type()},          {"hidden", p.encoder.hidden_size()},
                {"layers", p.encoder.num_hidden_layers()}, {"vocab", p.encoder.vocab_size()},
                {"parameters", p.params.total()},          {"trainable", p.params.trainable},
                {"frozen", p.params.frozen()},             {"lora", p.params.lora}};
  j["data"] = {{"source", p.data_source},     {"rows", p.rows},     {"text_tokens", p.text_tokens},
               {"prompt_tokens", p.prompt_tokens}, {"labels", p.labels}, {"dev_rows", p.dev_rows},
               {"max_row_tokens", p.max_row_tokens}};
  j["run"] = {{"epochs", p.epochs},
              {"batch", p.shape.batch},
              {"grad_accum", p.shape.accum},
              {"ranks", p.shape.ranks},
              {"nodes", p.nodes},
              {"gpus_per_node", p.gpus_per_node},
              {"steps_per_epoch", p.shape.steps_per_epoch},
              {"token_budget", p.shape.token_budget},
              {"precision", precision_name(p.precision)},
              {"gradient_checkpointing", p.gradient_checkpointing},
              {"train_flops_per_epoch", p.flops.train},
              {"dev_flops_per_epoch", p.flops.dev_forward},
              {"repeats", p.repeats}};
  if (p.sweep)
    j["sweep"] = {{"file", p.sweep_file}, {"trials", p.sweep->trials}, {"epochs_per_trial", p.sweep->epochs_per_trial},
                  {"full_epochs", p.sweep->full_epochs}};
  json rows = json::array();
  for (const PlanRow& r : p.rows_out) {
    json m = {{"weights", r.memory.weights},     {"half_copies", r.memory.half_copies},
              {"gradients", r.memory.gradients}, {"optimizer", r.memory.optimizer},
              {"activations", r.memory.activations}, {"backward_peak", r.memory.backward_peak},
              {"buckets", r.memory.buckets},     {"workspace", r.memory.workspace},
              {"total", r.memory.total()}};
    json row = {{"gpu", r.key},
                {"name", r.name},
                {"supported", r.supported},
                {"memory_bytes", r.capacity},
                {"fits", r.fits},
                {"batch", p.shape.batch},
                {"max_batch", r.max_batch},
                {"memory", m},
                {"peak_flops", r.speed.peak_flops},
                {"efficiency", r.speed.efficiency},
                {"efficiency_source", r.efficiency_source},
                {"seconds_per_step", r.epoch.per_step()},
                {"epoch_seconds", r.epoch.total()},
                {"epoch_compute_seconds", r.epoch.compute},
                {"epoch_optimizer_seconds", r.epoch.optimizer},
                {"epoch_allreduce_seconds", r.epoch.allreduce},
                {"epoch_eval_seconds", r.epoch.eval},
                {"run_seconds", r.epoch.total() * p.epochs},
                {"priced", r.priced}};
    if (r.priced) {
      row["usd_per_gpu_hour"] = r.cost.usd_per_gpu_hour;
      row["price_source"] = r.price_source;
      row["usd_per_run"] = r.cost.usd_run;
      row["usd_repeats"] = r.cost.usd_repeats;
      if (p.sweep) row["usd_per_sweep"] = r.cost.usd_sweep;
    }
    if (p.sweep) row["sweep_gpu_hours"] = r.cost.sweep_hours;
    rows.push_back(row);
  }
  j["gpus"] = rows;
  j["assumptions"] = p.assumptions;
  return j;
}

}  // namespace gtrain
