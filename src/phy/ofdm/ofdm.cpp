#include "airan/phy/ofdm/ofdm.h"

#include <fftw3.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "airan/common/cpu_features.h"

namespace airan::phy {
namespace {

// FFTW's planner is not thread-safe; execution with a plan is.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// One FFT size, one direction, with its own aligned in-place buffer.
class FftPlan {
 public:
  FftPlan(unsigned n, int direction) : n_(n) {
    buffer_ = static_cast<cf_t*>(fftwf_malloc(sizeof(cf_t) * n));
    std::lock_guard<std::mutex> lock(planner_mutex());
    auto* io = reinterpret_cast<fftwf_complex*>(buffer_);
    plan_ = fftwf_plan_dft_1d(static_cast<int>(n), io, io, direction, FFTW_ESTIMATE);
  }
  ~FftPlan() {
    std::lock_guard<std::mutex> lock(planner_mutex());
    fftwf_destroy_plan(plan_);
    fftwf_free(buffer_);
  }
  FftPlan(const FftPlan&) = delete;
  FftPlan& operator=(const FftPlan&) = delete;

  cf_t* data() { return buffer_; }
  void execute() { fftwf_execute(plan_); }
  unsigned size() const { return n_; }

 private:
  unsigned n_;
  cf_t* buffer_ = nullptr;
  fftwf_plan plan_ = nullptr;
};

// FFT bin of resource-grid subcarrier k: the grid is centred on DC.
inline unsigned bin_of(unsigned k, unsigned n_sc, unsigned fft_size) {
  return (k + fft_size - n_sc / 2) % fft_size;
}

Status check_sizes(const Carrier& c, size_t grid, size_t samples, unsigned slot) {
  const size_t want_grid = static_cast<size_t>(kSymbolsPerSlot) * c.n_subcarriers();
  if (grid != want_grid) {
    return Error{"grid has " + std::to_string(grid) + " REs, 14 x " +
                 std::to_string(c.n_subcarriers()) + " = " + std::to_string(want_grid) + " expected"};
  }
  if (samples != c.slot_samples(slot)) {
    return Error{"samples has " + std::to_string(samples) + " values, slot " + std::to_string(slot) +
                 " has " + std::to_string(c.slot_samples(slot))};
  }
  return Status::ok();
}

}  // namespace

struct OfdmModulator::Impl {
  Carrier carrier;
  FftPlan ifft;
  float scale;
  explicit Impl(const Carrier& c)
      : carrier(c), ifft(c.fft_size, FFTW_BACKWARD), scale(1.0f / std::sqrt(static_cast<float>(c.fft_size))) {}
};

OfdmModulator::OfdmModulator(const Carrier& carrier) : impl_(std::make_unique<Impl>(carrier)) {}
OfdmModulator::~OfdmModulator() = default;

Status OfdmModulator::modulate(std::span<cf_t> samples, std::span<const cf_t> grid, unsigned slot) {
  const Carrier& c = impl_->carrier;
  if (Status s = check_sizes(c, grid.size(), samples.size(), slot); !s) return s;
  const unsigned n = c.fft_size, n_sc = c.n_subcarriers();
  cf_t* buf = impl_->ifft.data();
  size_t out = 0;
  for (unsigned l = 0; l < kSymbolsPerSlot; ++l) {
    std::memset(static_cast<void*>(buf), 0, sizeof(cf_t) * n);
    const cf_t* symbol = grid.data() + static_cast<size_t>(l) * n_sc;
    for (unsigned k = 0; k < n_sc; ++k) buf[bin_of(k, n_sc, n)] = symbol[k] * impl_->scale;
    impl_->ifft.execute();
    const unsigned cp = c.cp_length(slot, l);
    std::memcpy(static_cast<void*>(samples.data() + out), buf + n - cp, sizeof(cf_t) * cp);
    std::memcpy(static_cast<void*>(samples.data() + out + cp), buf, sizeof(cf_t) * n);
    out += cp + n;
  }
  return Status::ok();
}

struct OfdmDemodulator::Impl {
  Carrier carrier;
  FftPlan fft;
  unsigned advance;
  std::vector<cf_t> derotation;  // per subcarrier: undoes the early window's phase ramp and scales
  Impl(const Carrier& c, int window_advance)
      : carrier(c), fft(c.fft_size, FFTW_FORWARD) {
    const unsigned min_cp = 144 * c.fft_size / 2048;
    advance = window_advance < 0 ? min_cp / 2 : std::min<unsigned>(static_cast<unsigned>(window_advance), min_cp);
    const unsigned n_sc = c.n_subcarriers();
    derotation.resize(n_sc);
    const double scale = 1.0 / std::sqrt(static_cast<double>(c.fft_size));
    for (unsigned k = 0; k < n_sc; ++k) {
      // A window starting `advance` samples early multiplies bin b by exp(-j 2 pi b advance / N).
      const double b = static_cast<double>(k) - n_sc / 2;
      const double phase = 2.0 * M_PI * b * advance / c.fft_size;
      derotation[k] = cf_t(static_cast<float>(scale * std::cos(phase)), static_cast<float>(scale * std::sin(phase)));
    }
  }
  // CP removal and FFT of symbol `l`; sizes already checked.
  void demodulate_symbol(std::span<cf_t> out, std::span<const cf_t> samples, unsigned slot, unsigned l) {
    const unsigned n = carrier.fft_size, n_sc = carrier.n_subcarriers();
    cf_t* buf = fft.data();
    const size_t start = carrier.symbol_offset(slot, l) + carrier.cp_length(slot, l) - advance;
    std::memcpy(static_cast<void*>(buf), samples.data() + start, sizeof(cf_t) * n);
    fft.execute();
    // Subcarrier k sits in bin (k - n_sc/2) mod n: the lower half at the top of the FFT output,
    // the upper half from bin 0; each half is one contiguous, vectorised multiply.
    const unsigned half = n_sc / 2;
    derotate(out.data(), buf + (n - half), derotation.data(), half);
    derotate(out.data() + half, buf, derotation.data() + half, n_sc - half);
  }

  // out[k] = in[k] * rot[k] in real arithmetic (std::complex's product calls the NaN-checking
  // library routine for every element).
  AIRAN_VECTOR_CLONES static void derotate(cf_t* out_c, const cf_t* in_c, const cf_t* rot_c, size_t count) {
    float* __restrict out = reinterpret_cast<float*>(out_c);
    const float* __restrict in = reinterpret_cast<const float*>(in_c);
    const float* __restrict rot = reinterpret_cast<const float*>(rot_c);
    for (size_t k = 0; k < count; ++k) {
      out[2 * k] = in[2 * k] * rot[2 * k] - in[2 * k + 1] * rot[2 * k + 1];
      out[2 * k + 1] = in[2 * k] * rot[2 * k + 1] + in[2 * k + 1] * rot[2 * k];
    }
  }
};

OfdmDemodulator::OfdmDemodulator(const Carrier& carrier, int window_advance)
    : impl_(std::make_unique<Impl>(carrier, window_advance)) {}
OfdmDemodulator::~OfdmDemodulator() = default;

Status OfdmDemodulator::demodulate(std::span<cf_t> grid, std::span<const cf_t> samples, unsigned slot) {
  const Carrier& c = impl_->carrier;
  if (Status s = check_sizes(c, grid.size(), samples.size(), slot); !s) return s;
  const unsigned n_sc = c.n_subcarriers();
  for (unsigned l = 0; l < kSymbolsPerSlot; ++l) {
    impl_->demodulate_symbol(grid.subspan(static_cast<size_t>(l) * n_sc, n_sc), samples, slot, l);
  }
  return Status::ok();
}

Status OfdmDemodulator::demodulate_symbol(std::span<cf_t> symbol_grid,
                                          std::span<const cf_t> samples, unsigned slot,
                                          unsigned symbol) {
  const Carrier& c = impl_->carrier;
  if (symbol >= kSymbolsPerSlot) return Error{"symbol=" + std::to_string(symbol) + " outside 0..13"};
  if (symbol_grid.size() != c.n_subcarriers()) {
    return Error{"symbol_grid has " + std::to_string(symbol_grid.size()) + " REs, " +
                 std::to_string(c.n_subcarriers()) + " expected"};
  }
  if (samples.size() != c.slot_samples(slot)) {
    return Error{"samples has " + std::to_string(samples.size()) + " values, slot " +
                 std::to_string(slot) + " has " + std::to_string(c.slot_samples(slot))};
  }
  impl_->demodulate_symbol(symbol_grid, samples, slot, symbol);
  return Status::ok();
}

}  // namespace airan::phy
