#include "train/checkpoint.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "model/state_dict.h"
#include "model/tensor_io.h"

namespace fs = std::filesystem;

namespace gtrain {

nlohmann::json TrainState::to_json() const {
  return {{"step", step}, {"epoch", epoch}, {"batch_in_epoch", batch_in_epoch},
          {"best_score", best_score}, {"best_threshold", best_threshold}, {"best_step", best_step},
          {"evals_without_improvement", evals_without_improvement}, {"loss_scale", loss_scale},
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
  s.world_size = j.value("world_size", int64_t{1});
  s.global_micro_batch = j.value("global_micro_batch", int64_t{0});
  s.finished = j.value("finished", false);
  return s;
}

namespace {
void fsync_path(const fs::path& p) {
  FILE* f = std::fopen(p.c_str(), "rb");
  if (!f) return;
  ::fsync(fileno(f));
  std::fclose(f);
}
}  // namespace

void save_checkpoint(const std::string& dir, torch::nn::Module& model, torch::optim::Optimizer& opt,
                     const TrainState& state, at::Generator& mask_gen) {
  const fs::path final_dir(dir);
  const fs::path tmp = final_dir.string() + ".tmp." + std::to_string(::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  save_safetensors((tmp / "model.safetensors").string(), state_dict(model));
  {
    torch::serialize::OutputArchive a;
    opt.save(a);
    a.save_to((tmp / "optimizer.pt").string());
  }
  torch::Tensor default_rng = at::detail::getDefaultCPUGenerator().get_state();
  torch::Tensor mask_rng = mask_gen.get_state();
  save_safetensors((tmp / "rng.safetensors").string(), {{"default_cpu", default_rng}, {"mask", mask_rng}});
  {
    std::ofstream f(tmp / "state.json");
    f << state.to_json().dump(2) << "\n";
    if (!f) throw std::runtime_error("cannot write " + (tmp / "state.json").string());
  }
  for (const char* n : {"model.safetensors", "optimizer.pt", "rng.safetensors", "state.json"}) fsync_path(tmp / n);
  // Replace an existing checkpoint of the same step: move it aside first, so there is never a
  // moment without a complete copy.
  fs::path old;
  if (fs::exists(final_dir)) {
    old = final_dir.string() + ".old." + std::to_string(::getpid());
    fs::rename(final_dir, old);
  }
  fs::rename(tmp, final_dir);
  fsync_path(final_dir.parent_path());
  if (!old.empty()) fs::remove_all(old);
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
    torch::serialize::InputArchive a;
    a.load_from((d / "optimizer.pt").string());
    opt->load(a);
  }
  auto rng = load_safetensors((d / "rng.safetensors").string());
  at::Generator default_gen = at::detail::getDefaultCPUGenerator();  // a handle: shares the state
  default_gen.set_state(rng.at("default_cpu"));
  if (mask_gen) mask_gen->set_state(rng.at("mask"));
  return s;
}

}  // namespace gtrain
