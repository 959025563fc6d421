// gtrain bench prepare: throughput of `prepare` (read + split + tokenize + align + write HDF5).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "cli/commands.h"
#include "data/prepare.h"
#include "dist/allreduce_bench.h"
#include "train/gemm_bench.h"
#include "train/step_bench.h"

namespace gtrain::cli {

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "measure gtrain's own speed");
  bench->require_subcommand(1);
  struct Args { std::string input, tokenizer, mode = "morph"; int repeat = 3; bool compare_memo = false; };
  auto a = std::make_shared<Args>();
  CLI::App* prep = bench->add_subcommand("prepare", "prepare throughput (sentences/s, one thread)");
  prep->add_option("-i,--input", a->input, "annotated input PATH[:FORMAT]")->required();
  prep->add_option("-t,--tokenizer", a->tokenizer, "tokenizer")->required();
  prep->add_option("--unit-mode", a->mode, "unit mode")->capture_default_str();
  prep->add_option("--repeat", a->repeat, "runs (median reported)")->capture_default_str();
  prep->add_flag("--compare-memo", a->compare_memo, "alternate runs without and with the word memo");
  prep->callback([a] {
    namespace fs = std::filesystem;
    PrepareConfig c;
    c.inputs.push_back(input_from_spec(a->input));
    c.tokenizer = a->tokenizer;
    c.unit_mode = parse_unit_mode(a->mode);
    c.output_dir = (fs::temp_directory_path() / ("gtrain-bench-" + std::to_string(getpid()))).string();
    // Runs alternate between variants so both see the same machine state; one warm-up run first.
    std::vector<bool> variants = a->compare_memo ? std::vector<bool>{false, true} : std::vector<bool>{true};
    std::vector<std::vector<double>> rates(variants.size());
    c.memo_words = true;
    prepare(c);
    for (int r = 0; r < a->repeat; ++r) {
      for (size_t v = 0; v < variants.size(); ++v) {
        c.memo_words = variants[v];
        PrepareReport rep = prepare(c);
        rates[v].push_back(rep.examples / rep.seconds);
        std::printf("run %d%s: %lld sentences in %.3f s = %.0f sentences/s\n", r + 1,
                    a->compare_memo ? (variants[v] ? " (memo)" : " (no memo)") : "",
                    (long long)rep.examples, rep.seconds, rates[v].back());
      }
    }
    fs::remove_all(c.output_dir);
    std::vector<double> med;
    for (size_t v = 0; v < variants.size(); ++v) {
      std::sort(rates[v].begin(), rates[v].end());
      med.push_back(rates[v][rates[v].size() / 2]);
      std::printf("median%s: %.0f sentences/s (unit mode %s, 1 thread)\n",
                  a->compare_memo ? (variants[v] ? " with memo" : " without memo") : "", med.back(), a->mode.c_str());
    }
    if (a->compare_memo) std::printf("memo speed-up: %.2fx\n", med[1] / med[0]);
    std::printf("command: gtrain bench prepare -i %s -t %s --unit-mode %s --repeat %d%s\n", a->input.c_str(),
                a->tokenizer.c_str(), a->mode.c_str(), a->repeat, a->compare_memo ? " --compare-memo" : "");
  });

  auto so = std::make_shared<StepBenchOptions>();
  CLI::App* step = bench->add_subcommand("step", "training step time (forward, backward, AdamW) at a model shape");
  step->add_option("--shape", so->shape, "toy | xsmall | small | base")->capture_default_str();
  step->add_option("--encoder", so->encoder, "deberta (v3) | bert | roberta | electra | xlm-roberta")
      ->capture_default_str()
      ->check(CLI::IsMember({"deberta", "bert", "roberta", "electra", "xlm-roberta"}));
  step->add_option("--batch-size", so->batch_size, "examples per micro-batch")->capture_default_str()->check(at_least_one());
  step->add_option("--grad-accum", so->grad_accum, "micro-batches per optimizer step (the recipe's 2)")
      ->capture_default_str()->check(at_least_one());
  step->add_option("--steps", so->steps, "timed steps")->capture_default_str()->check(CLI::PositiveNumber);
  step->add_option("--warmup", so->warmup, "untimed steps first")->capture_default_str();
  step->add_option("--threads", so->threads, "torch intra-op threads (0 = default)")->capture_default_str();
  step->add_flag("--sorted", so->sort_by_length, "length-bucketed batches as the trainer builds them (a window of 50 batches sorted by length)");
  step->add_option("--seq-len", so->seq_len, "every row exactly N tokens (0: Korean-sentence lengths 60-140)")
      ->capture_default_str();
  step->add_option("--device", so->device, "cpu | cuda")->capture_default_str()->check(CLI::IsMember({"cpu", "cuda"}));
  step->add_option("--precision", so->precision, "fp32 | fp16 (CUDA) | bf16")
      ->capture_default_str()
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}));
  step->add_flag("--gradient-checkpointing", so->gradient_checkpointing, "recompute each encoder layer in backward");
  step->add_option("--peak-tflops", so->peak_tflops, "the device's dense peak for MFU (0: GPU table / measured CPU sgemm)");
  step->add_option("--batches", so->batches, "replay GLiNER2's recorded batches (gliner2_bench/batches.json) instead of synthetic ones");
  step->add_option("--cpu-matmul", so->cpu_matmul, "onednn | torch: the library of fp32 CPU matrix products")
      ->capture_default_str()
      ->check(CLI::IsMember({"onednn", "torch"}));
  step->add_option("--optimizer", so->optimizer, "fused (ATen's one-pass AdamW kernel) | reference (torch::optim::AdamW)")
      ->capture_default_str()
      ->check(CLI::IsMember({"fused", "reference"}));
  step->callback([so] {
    run_step_bench(*so);
    std::printf("command: gtrain bench step --shape %s --encoder %s --batch-size %d --grad-accum %d --steps %d --warmup %d --threads %d --device %s "
                "--precision %s --optimizer %s --cpu-matmul %s%s%s%s%s\n",
                so->shape.c_str(), so->encoder.c_str(), so->batch_size, so->grad_accum, so->steps, so->warmup, so->threads, so->device.c_str(),
                so->precision.c_str(), so->optimizer.c_str(), so->cpu_matmul.c_str(), so->seq_len > 0 ? (" --seq-len " + std::to_string(so->seq_len)).c_str() : "",
                so->gradient_checkpointing ? " --gradient-checkpointing" : "", so->sort_by_length ? " --sorted" : "",
                so->batches.empty() ? "" : (" --batches " + so->batches).c_str());
  });

  auto go = std::make_shared<GemmBenchOptions>();
  CLI::App* gemm = bench->add_subcommand("gemm", "fp32 matrix-product rate at the step's shapes: torch's product against oneDNN's");
  gemm->add_option("--threads", go->threads, "torch intra-op threads (0 = the CPUs the process may use)")->capture_default_str();
  gemm->add_option("--reps", go->reps, "timed products per shape and library")->capture_default_str()->check(CLI::PositiveNumber);
  gemm->callback([go] {
    run_gemm_bench(*go);
    std::printf("command: gtrain bench gemm --threads %d --reps %d\n", go->threads, go->reps);
  });

  auto ao = std::make_shared<dist::AllreduceBenchOptions>();
  auto backend = std::make_shared<std::string>("auto");
  CLI::App* ar = bench->add_subcommand("allreduce", "all-reduce time and bus bandwidth per message size (run under mpirun)");
  ar->add_option("--min-bytes", ao->min_bytes, "smallest message")->capture_default_str();
  ar->add_option("--max-bytes", ao->max_bytes, "largest message")->capture_default_str();
  ar->add_option("--factor", ao->factor, "size multiplier between rows")->capture_default_str();
  ar->add_option("--iters", ao->iters, "timed all-reduces per size")->capture_default_str();
  ar->add_option("--warmup", ao->warmup, "untimed all-reduces per size")->capture_default_str();
  ar->add_option("--dtype", ao->dtype, "float | half | bfloat16 | double")->capture_default_str();
  ar->add_option("--backend", *backend, "auto | mpi | nccl")->capture_default_str();
  ar->callback([ao, backend] {
    if (*backend == "mpi") ao->backend = CommBackend::Mpi;
    else if (*backend == "nccl") ao->backend = CommBackend::Nccl;
    else if (*backend != "auto") throw std::invalid_argument("--backend must be auto, mpi or nccl");
    dist::Group& g = dist::world();
    dist::run_allreduce_bench(g, *ao);
    if (g.rank() == 0)
      std::printf("command: mpirun -np %d gtrain bench allreduce --min-bytes %lld --max-bytes %lld --factor %d --iters %d "
                  "--warmup %d --dtype %s --backend %s\n",
                  g.size(), (long long)ao->min_bytes, (long long)ao->max_bytes, ao->factor, ao->iters, ao->warmup,
                  ao->dtype.c_str(), backend->c_str());
  });
}

}  // namespace gtrain::cli
