#pragma once
// PUSCH receive chain without transform precoding (gNB side), as separable stages over a per-slot
// workspace so a runtime can schedule them as tasks:
//   1. OFDM demodulation, per receive antenna and symbol (CP removal, FFT; TS 38.211 5.3.1);
//   2. per UE, channel estimation from the DM-RS (TS 38.211 6.4.1.1): least squares, timing
//      (phase-ramp) removal, CDM despreading with the w_f / w_t covers, noise variance from the
//      DM-RS residuals, frequency smoothing and linear interpolation, time interpolation;
//   3. per UE, MMSE equalisation (1-4 layers x 1-4 ports), max-log soft demapping with the
//      post-equalisation noise variance, layer demapping (6.3.1.3) and descrambling (6.3.1.1);
//   4. per code block, rate dematching with HARQ soft combining and LDPC decoding
//      (TS 38.212 5.4.2, 5.3.2); then the code-block and TB CRCs (6.2.1-6.2.3).
// Everything is sized at create() for the configured maxima; the stages allocate nothing.
// Threads: configure_ue() calls run on one thread; afterwards the stages of different UEs may run
// concurrently, the stages of one UE in order. demodulate_symbol() of different antennas may run
// concurrently, and all of them must finish before any UE's estimate_channel().

#include <cstdint>
#include <memory>
#include <span>

#include "airan/common/expected.h"
#include "airan/phy/ofdm/carrier.h"
#include "airan/phy/pusch/pusch_config.h"

namespace airan::phy {

/// How channel estimates of several DM-RS occasions become the estimate of a data symbol.
enum class PuschTimeInterpolation : uint8_t {
  linear,   ///< linear between the surrounding DM-RS occasions, the nearest one outside them
  average,  ///< the mean of all DM-RS occasions (slow channels)
};

struct PuschReceiverConfig {
  Carrier carrier;                ///< the cell's carrier (from nr_carrier)
  unsigned nof_rx = 1;            ///< receive antennas 1..4
  unsigned max_layers = 4;        ///< most layers of one UE, 1..nof_rx
  unsigned max_ues = 1;           ///< UEs per slot, 1..64
  unsigned max_prb = 0;           ///< most PRBs of one UE, 1..carrier.n_rb; 0 = carrier.n_rb
  unsigned nof_harq_buffers = 8;  ///< soft buffers kept for (rnti, harq_id) pairs, 1..256
  unsigned max_iterations = 6;    ///< LDPC iterations per code block, 1..64
  bool early_stop = true;  ///< stop a code block once its CRC matches (else always max_iterations)
  PuschTimeInterpolation time_interpolation = PuschTimeInterpolation::linear;
  int window_advance = -1;  ///< FFT window advance in samples (OfdmDemodulator); -1 = half CP
};

/// Wall-clock microseconds spent in each kernel.
struct PuschKernelTimes {
  double ofdm_us = 0;        ///< CP removal + FFT
  double chest_us = 0;       ///< DM-RS channel and noise estimation
  double equalize_us = 0;    ///< time interpolation + MMSE equalisation (+ EVM)
  double demap_us = 0;       ///< soft demapping (incl. layer demapping order)
  double descramble_us = 0;  ///< LLR descrambling
  double dematch_us = 0;     ///< rate dematching + HARQ combining
  double ldpc_us = 0;        ///< LDPC decoding
  double crc_us = 0;         ///< desegmentation, code-block and TB CRCs

  /// Sum of all kernels, microseconds.
  double total_us() const {
    return ofdm_us + chest_us + equalize_us + demap_us + descramble_us + dematch_us + ldpc_us +
           crc_us;
  }
};

/// What the receiver reports for one UE of a slot.
struct PuschUeResult {
  bool crc_ok = false;          ///< TB CRC and every code-block CRC matched
  unsigned tbs = 0;             ///< transport block size, bits
  std::span<const uint8_t> tb;  ///< decoded TB, ceil(tbs/8) bytes; valid until the UE's next
                                ///< configure_ue()
  unsigned code_blocks = 0;     ///< C
  unsigned code_blocks_ok = 0;  ///< code blocks whose decoder reported success
  unsigned max_iterations = 0;  ///< most LDPC iterations any code block used
  double mean_iterations = 0;   ///< mean LDPC iterations per code block
  float snr_db = 0;             ///< DM-RS SNR per RE, receive antenna and layer, dB
  float evm_percent = 0;        ///< RMS error of the equalised data symbols, % of unit power
  float noise_var = 0;          ///< estimated noise variance per RE (grid units)
  float llr_scale = 0;          ///< int8 LLR units per natural-log unit used by the demapper
  PuschKernelTimes times;       ///< this UE's kernels (ofdm_us stays 0: it is per antenna)
};

class PuschReceiver {
 public:
  /// A receiver sized for `cfg`; the error names the field and its allowed range.
  static Expected<std::unique_ptr<PuschReceiver>> create(const PuschReceiverConfig& cfg);
  ~PuschReceiver();
  PuschReceiver(const PuschReceiver&) = delete;
  PuschReceiver& operator=(const PuschReceiver&) = delete;

  /// The configuration the receiver was made with.
  const PuschReceiverConfig& config() const;

  // --- Stage 1: the resource grid of each receive antenna ---------------------------------------
  /// OFDM-demodulates symbol `symbol` (0..13) of antenna `rx` from the slot's time-domain samples
  /// (carrier.slot_samples(slot) of them). Error names the index or buffer that is wrong.
  Status demodulate_symbol(unsigned rx, unsigned symbol, std::span<const cf_t> samples,
                           unsigned slot);
  /// All 14 symbols of antenna `rx` (same as 14 demodulate_symbol calls).
  Status demodulate(unsigned rx, std::span<const cf_t> samples, unsigned slot);
  /// Copies an already demodulated grid (14 x n_rb*12, symbol-major) for antenna `rx`.
  Status set_grid(unsigned rx, std::span<const cf_t> grid);
  /// The grid of antenna `rx` (empty span when rx is out of range).
  std::span<const cf_t> grid(unsigned rx) const;
  /// Microseconds spent in OFDM demodulation since the last call (and resets the count).
  double take_ofdm_us();

  // --- Stages 2-4: per UE ----------------------------------------------------------------------
  /// Starts UE slot `ue` (0..max_ues-1) for PUSCH `cfg` of HARQ process `harq_id` (0..31);
  /// `new_data` false combines with the soft buffer kept for (cfg.rnti, harq_id). Error names
  /// the field (e.g. nof_layers beyond nof_rx, PRBs beyond the carrier).
  Status configure_ue(unsigned ue, const PuschConfig& cfg, unsigned harq_id, bool new_data);
  /// Stage 2: channel and noise estimation of UE `ue` from the DM-RS.
  Status estimate_channel(unsigned ue);
  /// Stage 3: equalisation, soft demapping, layer demapping and descrambling of UE `ue`.
  Status equalize_demap(unsigned ue);
  /// Number of code blocks C of UE `ue` (valid after configure_ue; 0 otherwise).
  unsigned nof_code_blocks(unsigned ue) const;
  /// Stage 4: rate dematching (HARQ combining) and LDPC decoding of code block `cb` of UE `ue`.
  Status decode_code_block(unsigned ue, unsigned cb);
  /// CRC checks after every code block was decoded; the TB and the UE's measurements.
  Expected<PuschUeResult> finish_ue(unsigned ue);

  /// Stages 2-4 of UE `ue` in order (stage 1 already done for every antenna).
  Expected<PuschUeResult> receive_ue(unsigned ue, const PuschConfig& cfg, unsigned harq_id,
                                     bool new_data);

 private:
  struct Impl;
  explicit PuschReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace airan::phy
