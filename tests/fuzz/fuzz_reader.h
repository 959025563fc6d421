// One driver for the five input readers (src/data/*_reader.cpp): the input is the file's bytes.
// Each input is read three times, with consistency checks between the runs:
//   1. OnError::Fail          - any bad example throws InputError;
//   2. OnError::Skip          - bad examples become rejects; the rest must match run 1;
//   3. Skip + allowed labels  - labels outside {Disease, Drug, DS, DR, PER} are rejected.
// plus guess_input_format on the same file. Every example returned must pass validate_example
// again, have its entities sorted, and list every entity label in its schema.
#pragma once
#include <algorithm>

#include "data/reader.h"
#include "data/validate.h"
#include "fuzz_common.h"

namespace gtrain_fuzz {

using ReaderFn = gtrain::ReadResult (*)(const std::string&, const gtrain::ReadOptions&);

inline void check_result(const gtrain::ReadResult& r, const std::string& path,
                         const std::vector<std::string>* allowed) {
  for (const gtrain::Example& ex : r.examples) {
    try {
      gtrain::validate_example(ex, path, 0, allowed);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "reader returned an invalid example: %s\n", e.what());
      fuzz_check(false);
    }
    fuzz_check(std::is_sorted(ex.entities.begin(), ex.entities.end(),
                              [](const gtrain::Entity& a, const gtrain::Entity& b) {
                                return a.start != b.start ? a.start < b.start : a.end < b.end;
                              }));
    for (const gtrain::Entity& e : ex.entities)
      fuzz_check(std::any_of(ex.schema.begin(), ex.schema.end(),
                             [&](const gtrain::SchemaLabel& s) { return s.name == e.label; }));
    fuzz_check(ex.origin.rfind(path + ":", 0) == 0);
  }
  for (const gtrain::Reject& rj : r.rejects) fuzz_check(rj.origin.rfind(path + ":", 0) == 0);
}

inline int fuzz_reader(const uint8_t* data, size_t size, ReaderFn read, const std::string& file_name) {
  const std::string path = write_input(data, size, file_name);
  try {
    (void)gtrain::guess_input_format(path);
  } catch (const gtrain::InputError&) {
  } catch (const std::exception& e) {
    note_exception("guess_input_format", e);
  }

  gtrain::ReadOptions fail_opt;
  fail_opt.on_error = gtrain::OnError::Fail;
  gtrain::ReadOptions skip_opt;
  skip_opt.on_error = gtrain::OnError::Skip;

  enum { Ok, Input, Other } fail_state = Ok;
  gtrain::ReadResult failed;
  try {
    failed = read(path, fail_opt);
    check_result(failed, path, nullptr);
    fuzz_check(failed.rejects.empty());
  } catch (const gtrain::InputError&) {
    fail_state = Input;
  } catch (const std::exception& e) {
    fail_state = Other;
    note_exception("Fail mode", e);
  }

  try {
    const gtrain::ReadResult skipped = read(path, skip_opt);
    check_result(skipped, path, nullptr);
    // Fail and Skip see the same examples: no rejects exactly when Fail mode read the file.
    if (fail_state == Ok) {
      fuzz_check(skipped.rejects.empty());
      fuzz_check(skipped.examples.size() == failed.examples.size());
      for (size_t i = 0; i < failed.examples.size(); ++i) {
        fuzz_check(skipped.examples[i].text == failed.examples[i].text);
        fuzz_check(skipped.examples[i].entities == failed.examples[i].entities);
      }
    } else if (fail_state == Input) {
      fuzz_check(!skipped.rejects.empty());
    }
  } catch (const gtrain::InputError& e) {
    note_exception("Skip mode InputError", e);
  } catch (const std::exception& e) {
    note_exception("Skip mode", e);
  }

  static const std::vector<std::string> allowed = {"Disease", "Drug", "DS", "DR", "PER"};
  gtrain::ReadOptions allowed_opt = skip_opt;
  allowed_opt.allowed_labels = &allowed;
  try {
    check_result(read(path, allowed_opt), path, &allowed);
  } catch (const std::exception& e) {
    note_exception("allowed labels", e);
  }
  return 0;
}

}  // namespace gtrain_fuzz
