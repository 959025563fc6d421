#include "train/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/atomic_file.h"
#include "model/state_dict.h"
#include "model/tensor_io.h"

namespace fs = std::filesystem;

namespace gtrain {

nlohmann::json TrainState::to_json() const {
  return {{"step", step}, {"epoch", epoch}, {"batch_in_epoch", batch_in_epoch},
          {"best_score", best_score}, {"best_threshold", best_threshold}, {"best_step", best_step},
          {"evals_without_improvement", evals_without_improvement}, {"loss_scale", loss_scale},
          {"loss_scale_good_steps", loss_scale_good_steps}, {"skipped_steps", skipped_steps},
          {"world_size", world_size}, {"global_micro_batch", global_micro_batch}, {"finished", finished}};
}

TrainState TrainState::from_json(const nlohmann::json& j) {
  TrainState s;
  s.step = j.at("step");
  s.epoch = j.at("epoch");
  s.batch_in_epoch = j.at("batch_in_epoch");
  s.best_score = j.at("best_score");
  s.best_threshold = j.at("best_threshold");
  s.best_step = j.at("best_step");
  s.evals_without_improvement = j.at("evals_without_improvement");
  s.loss_scale = j.value("loss_scale", 65536.0);
  s.loss_scale_good_steps = j.value("loss_scale_good_steps", int64_t{0});
  s.skipped_steps = j.value("skipped_steps", int64_t{0});
  s.world_size = j.value("world_size", int64_t{1});
  s.global_micro_batch = j.value("global_micro_batch", int64_t{0});
  s.finished = j.value("finished", false);
  return s;
}

namespace {
// AdamW's per-parameter state as plain tensors named "g<group>.p<index>.<field>", written through
// the checked safetensors writer. torch's archive writer (optimizer.pt) ends the process when a
// write fails (its destructor throws during unwinding: "terminate called", SIGABRT), so a full
// disk could not be reported; this file can.
std::vector<std::pair<std::string, torch::Tensor>> adamw_state_tensors(torch::optim::AdamW& opt) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  auto& state = opt.state();
  for (size_t g = 0; g < opt.param_groups().size(); ++g) {
    const auto& params = opt.param_groups()[g].params();
    for (size_t i = 0; i < params.size(); ++i) {
      auto it = state.find(params[i].unsafeGetTensorImpl());
      if (it == state.end()) continue;  // no step taken on it yet
      const auto& st = static_cast<const torch::optim::AdamWParamState&>(*it->second);
      const std::string k = "g" + std::to_string(g) + ".p" + std::to_string(i) + ".";
      out.emplace_back(k + "step", torch::tensor({st.step()}, torch::kInt64));
      out.emplace_back(k + "exp_avg", st.exp_avg());
      out.emplace_back(k + "exp_avg_sq", st.exp_avg_sq());
      if (st.max_exp_avg_sq().defined()) out.emplace_back(k + "max_exp_avg_sq", st.max_exp_avg_sq());
    }
  }
  return out;
}

void load_adamw_state(torch::optim::AdamW& opt, const std::map<std::string, torch::Tensor>& t, const fs::path& file) {
  auto& state = opt.state();
  size_t used = 0;
  for (size_t g = 0; g < opt.param_groups().size(); ++g) {
    const auto& params = opt.param_groups()[g].params();
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string k = "g" + std::to_string(g) + ".p" + std::to_string(i) + ".";
      auto step = t.find(k + "step");
      if (step == t.end()) continue;
      auto get = [&](const std::string& f) {
        auto it = t.find(k + f);
        if (it == t.end()) throw std::runtime_error(file.string() + ": tensor '" + k + f + "' missing");
        if (!it->second.sizes().equals(params[i].sizes()))
          throw std::runtime_error(file.string() + ": tensor '" + k + f + "' has shape " +
                                   c10::str(it->second.sizes()) + ", parameter has " + c10::str(params[i].sizes()));
        ++used;
        return it->second.to(params[i].device()).clone();
      };
      auto st = std::make_unique<torch::optim::AdamWParamState>();
      st->step(step->second.item<int64_t>());
      ++used;
      st->exp_avg(get("exp_avg"));
      st->exp_avg_sq(get("exp_avg_sq"));
      if (t.count(k + "max_exp_avg_sq")) st->max_exp_avg_sq(get("max_exp_avg_sq"));
      state[params[i].unsafeGetTensorImpl()] = std::move(st);
    }
  }
  if (used != t.size())
    throw std::runtime_error(file.string() + ": " + std::to_string(t.size() - used) +
                             " tensor(s) match no parameter of this optimizer (another model or parameter order?)");
}
}  // namespace

namespace {
// CUDA device i's default generator (a handle: shares the state).
at::Generator cuda_generator(int64_t i) {
  return at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
}
}  // namespace

void save_checkpoint(const std::string& dir, torch::nn::Module& model, torch::optim::Optimizer& opt,
                     const TrainState& state, at::Generator& mask_gen, const std::vector<std::string>& best_files) {
  const fs::path final_dir(dir);
  try {
    StagedPath staged(final_dir.string());  // removed again unless committed
    const fs::path tmp(staged.tmp());
    fs::create_directories(tmp);
    save_safetensors((tmp / "model.safetensors").string(), state_dict(model));
    if (auto* adamw = dynamic_cast<torch::optim::AdamW*>(&opt)) {
      save_safetensors((tmp / "optimizer.safetensors").string(), adamw_state_tensors(*adamw));
    } else {  // another optimizer: torch's archive, built in memory so a failed write is an error
      torch::serialize::OutputArchive a;
      opt.save(a);
      std::ostringstream bytes;
      a.save_to(bytes);
      write_text_file_atomic((tmp / "optimizer.pt").string(), bytes.str());
    }
    std::vector<std::pair<std::string, torch::Tensor>> rng = {
        {"default_cpu", at::detail::getDefaultCPUGenerator().get_state()}, {"mask", mask_gen.get_state()}};
    // Dropout on a GPU draws from that device's generator.
    for (int64_t i = 0; i < static_cast<int64_t>(torch::cuda::device_count()); ++i)
      rng.emplace_back("cuda_" + std::to_string(i), cuda_generator(i).get_state());
    save_safetensors((tmp / "rng.safetensors").string(), rng);
    write_text_file_atomic((tmp / "state.json").string(), state.to_json().dump(2) + "\n");
    for (const std::string& f : best_files) link_file_atomic(f, (tmp / fs::path(f).filename()).string());
    // Each file above was synced as it was written; commit() moves an existing checkpoint of the
    // same step aside first, so there is never a moment without a complete copy.
    staged.commit();
  } catch (const std::exception& e) {
    throw std::runtime_error("writing checkpoint " + final_dir.string() + " failed (earlier checkpoints are intact): " +
                             e.what());
  }
}

TrainState load_checkpoint(const std::string& dir, torch::nn::Module& model, torch::optim::Optimizer* opt,
                           at::Generator* mask_gen) {
  const fs::path d(dir);
  const fs::path state_path = d / "state.json";
  std::ifstream f(state_path);
  if (!f) throw std::runtime_error(state_path.string() + ": cannot open (not a gtrain checkpoint?)");
  nlohmann::json j;
  try {
    f >> j;
  } catch (const std::exception& e) {
    throw std::runtime_error(state_path.string() + ": " + e.what());
  }
  TrainState s = TrainState::from_json(j);
  load_state(model, load_safetensors((d / "model.safetensors").string()), "", /*strict=*/true);
  if (opt) {
    auto* adamw = dynamic_cast<torch::optim::AdamW*>(opt);
    if (adamw && fs::exists(d / "optimizer.safetensors")) {
      load_adamw_state(*adamw, load_safetensors((d / "optimizer.safetensors").string()), d / "optimizer.safetensors");
    } else {  // other optimizers, and checkpoints written before optimizer.safetensors
      torch::serialize::InputArchive a;
      a.load_from((d / "optimizer.pt").string());
      opt->load(a);
    }
  }
  auto rng = load_safetensors((d / "rng.safetensors").string());
  at::Generator default_gen = at::detail::getDefaultCPUGenerator();  // a handle: shares the state
  default_gen.set_state(rng.at("default_cpu"));
  if (mask_gen) mask_gen->set_state(rng.at("mask"));
  for (int64_t i = 0; i < static_cast<int64_t>(torch::cuda::device_count()); ++i) {
    auto it = rng.find("cuda_" + std::to_string(i));
    if (it != rng.end()) cuda_generator(i).set_state(it->second);
  }
  return s;
}

}  // namespace gtrain
