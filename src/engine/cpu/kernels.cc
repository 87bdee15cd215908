#include "engine/cpu/kernels.h"

namespace nmtd::cpu {

namespace {

#define NMTD_KERNEL_TABLE(ns, isa_value, u8)                                                  \
  Kernels {                                                                                   \
    isa_value, u8, ns::quantize_rows, ns::gemm_i8, ns::gemm_i4, ns::gemm_f32, ns::layer_norm, \
        ns::max_sumexp, ns::sub2, ns::softmax_row, ns::add, ns::attend                        \
  }

// VNNI's vpdpbusd multiplies u8 by s8, hence the shifted activations on that path only.
const Kernels kGenericTable = NMTD_KERNEL_TABLE(generic, Isa::kGeneric, false);
const Kernels kAvx2Table = NMTD_KERNEL_TABLE(avx2, Isa::kAvx2, false);
const Kernels kAvx512Table = NMTD_KERNEL_TABLE(avx512, Isa::kAvx512, true);

#undef NMTD_KERNEL_TABLE

}  // namespace

const Kernels& kernels_for(Isa isa) {
  if (!isa_supported(isa)) isa = default_isa();
  switch (isa) {
    case Isa::kAvx512:
      return kAvx512Table;
    case Isa::kAvx2:
      return kAvx2Table;
    case Isa::kGeneric:
      break;
  }
  return kGenericTable;
}

}  // namespace nmtd::cpu
