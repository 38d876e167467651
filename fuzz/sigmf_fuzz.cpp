// libFuzzer target: SigMF metadata (and the slot schedules in its annotations) against a data file
// of a size taken from the input's first bytes. Must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "airan/ran/sigmf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  uint32_t data_bytes = 0;
  if (size >= sizeof(data_bytes)) {
    std::memcpy(&data_bytes, data, sizeof(data_bytes));
    data += sizeof(data_bytes);
    size -= sizeof(data_bytes);
  }
  auto r = airan::ran::SigmfReader::parse_meta(
      std::string_view(reinterpret_cast<const char*>(data), size), data_bytes);
  if (r) {
    for (const auto& s : r->slots()) (void)airan::ran::to_json(s.schedule).dump();
  }
  return 0;
}
