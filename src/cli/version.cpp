#include <hdf5.h>
#include <mpi.h>

#include <sstream>

#include "cli/commands.h"
#ifdef GTRAIN_HAVE_TORCH
#include "train/runtime_info.h"
#endif
#ifdef GTRAIN_HAVE_NCCL
#include <nccl.h>
#endif

namespace gtrain::cli {

std::string version_text() {
  std::ostringstream o;
  o << "gtrain " << GTRAIN_VERSION << "\n";
#ifdef GTRAIN_HAVE_TORCH
  o << format_runtime_info(runtime_info());
#else
  o << "LibTorch (not built)\n";
#endif
  char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(mpi, &len);  // allowed before MPI_Init
  std::string m(mpi, len);
  if (auto nl = m.find_first_of("\n,"); nl != std::string::npos) m = m.substr(0, nl);
  o << "MPI " << m << "\n";
  unsigned maj, min, rel;
  H5get_libversion(&maj, &min, &rel);
  o << "HDF5 " << maj << "." << min << "." << rel << "\n";
  o << "SentencePiece " << GTRAIN_SENTENCEPIECE_VERSION << " (loaded on demand via libgtrain_spm.so)\n";
#ifdef GTRAIN_HAVE_NCCL
  int v = 0;
  ncclGetVersion(&v);
  o << "NCCL " << v / 10000 << "." << (v / 100) % 100 << "." << v % 100 << " (runtime; built with "
    << NCCL_MAJOR << "." << NCCL_MINOR << "." << NCCL_PATCH << ")\n";
#else
  o << "NCCL (not built)\n";
#endif
  return o.str();
}

}  // namespace gtrain::cli
