// AMX (Advanced Matrix Extensions: Xeons from Sapphire Rapids on): eight tile registers
// of up to 16 rows of 64 bytes, and one instruction that multiplies two of them into a
// third. _tile_dpbsud(C, A, B) adds to each int32 C[m][n] the 64 products of A's row m
// (signed bytes) and B's column n, where B holds four consecutive bytes of K a column in
// each 64-byte row (B[k / 4][4 n + k % 4]): 16 x 16 x 64 multiply-adds at once, where
// VNNI's vpdpbusd does 16 x 4. TL_QMM_AMX is defined where the build targets it
// (-march=native on such a Xeon); qmm_int8.cc's tiles use it when amx_usable().
#pragma once
#include <cstdint>

#if defined(__AMX_TILE__) && defined(__AMX_INT8__) && defined(__AVX512F__) && defined(__linux__)
#define TL_QMM_AMX 1
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace tl {
namespace qmm {

// Linux lends a process the tiles' 8 KiB of state only once it asks (arch_prctl
// ARCH_REQ_XCOMP_PERM for XTILEDATA, kernel 5.16 on); before that a tile instruction
// faults. Asked once; false where the kernel refuses (then the VNNI tiles run).
inline bool amx_usable() {
  constexpr int kReqXcompPerm = 0x1023, kXtiledata = 18;
  static const bool ok = syscall(SYS_arch_prctl, kReqXcompPerm, kXtiledata) == 0;
  return ok;
}

// The shapes of the tiles (ldtilecfg's 64-byte operand, palette 1). A thread's tiles
// keep the shapes last loaded until _tile_release().
struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0, reserved[14] = {};
  uint16_t colsb[16] = {};  // bytes a row, per tile
  uint8_t rows[16] = {};

  void shape(int tile, int rows_, int bytes) {
    rows[tile] = uint8_t(rows_);
    colsb[tile] = uint16_t(bytes);
  }

  // ldtilecfg. Not GCC 12's _tile_loadconfig, whose asm says it reads 8 bytes of the
  // config: the stores of the shapes past them were deleted as dead, and the first tile
  // load faulted.
  void load() const { __asm__ volatile("ldtilecfg %0" : : "m"(*this)); }
};
static_assert(sizeof(TileConfig) == 64, "ldtilecfg reads 64 bytes");

}  // namespace qmm
}  // namespace tl
#endif
