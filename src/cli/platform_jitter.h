#pragma once
// The platform probe (rt/host_jitter.h) over two loads: "one", the first CPU polled alone (the
// others idle), and "all", every CPU polled at once, alternated over rounds so that a drift of the
// host hits both alike. Shared by `airan bench jitter` and the platform line of `airan bench
// policies`.

#include <string>
#include <vector>

#include "airan/common/expected.h"
#include "airan/rt/host_jitter.h"

namespace airan::cli {

/// One CPU under one load, summed over the rounds.
struct LoadJitter {
  std::string load;  ///< "one" or "all"
  rt::CpuJitter jitter;
};

/// Probes `probe.cpus` under both loads (only "one" with a single CPU), `rounds` times each, for
/// `probe.duration` each time; rows ordered by load, then CPU. Error: invalid options (named).
Expected<std::vector<LoadJitter>> probe_loads(const rt::HostJitterOptions& probe, unsigned rounds);

/// What the rows say in two lines: the first CPU's lost time with every CPU busy against alone,
/// and how many gaps end at one phase of a 100 ms period (a host CPU quota's throttling).
std::string platform_summary(const std::vector<LoadJitter>& rows);

}  // namespace airan::cli
