#include "airan/phy/pusch/pusch_config.h"

#include <string>

#include "airan/phy/coding/transport_block_coding.h"
#include "airan/phy/pusch/pusch_scrambling.h"
#include "airan/phy/pusch/transport_block_size.h"

namespace airan::phy {
namespace {

constexpr unsigned kMaxRb = 275;

std::string str(unsigned v) {
  return std::to_string(v);
}

DmrsPositionConfig position_config(const PuschConfig& cfg) {
  DmrsPositionConfig p;
  p.mapping = cfg.mapping;
  p.type_a_position = cfg.type_a_position;
  p.start_symbol = cfg.start_symbol;
  p.nof_symbols = cfg.nof_symbols;
  p.additional_positions = cfg.dmrs_additional_positions;
  p.double_symbol = cfg.dmrs_double_symbol;
  return p;
}

}  // namespace

bool pusch_dmrs_in_cdm_group(DmrsType type, unsigned cdm_group, unsigned k_in_prb) {
  // TS 38.211 6.4.1.1.3: type 1 uses k = 4n + 2k' + Delta (Delta = lambda), type 2
  // k = 6n + k' + Delta (Delta = 2 lambda).
  if (type == DmrsType::type1) return k_in_prb % 2 == cdm_group;
  return (k_in_prb % 6) / 2 == cdm_group;
}

PuschDmrsConfig pusch_dmrs_config(const PuschConfig& cfg, unsigned layer) {
  PuschDmrsConfig d;
  d.type = cfg.dmrs_type;
  d.n_id = cfg.dmrs_scrambling_id;
  d.n_scid = cfg.n_scid;
  d.numerology = cfg.carrier.numerology();
  d.slot = cfg.slot;
  d.positions = position_config(cfg);
  d.crb_start = cfg.prb_start;
  d.nof_crb = cfg.nof_prb;
  d.port = layer;
  d.nof_cdm_groups_without_data = cfg.nof_cdm_groups_without_data;
  return d;
}

Status pusch_config_validate(const PuschConfig& cfg) {
  const Carrier& c = cfg.carrier;
  if (c.scs_khz != 15 && c.scs_khz != 30) {
    return Error{"carrier.scs_khz=" + str(c.scs_khz) + " must be 15 or 30"};
  }
  if (c.n_rb < 1 || c.n_rb > kMaxRb) {
    return Error{"carrier.n_rb=" + str(c.n_rb) + " outside 1..275"};
  }
  const unsigned slots = 10u << c.numerology();
  if (cfg.slot >= slots) {
    return Error{"slot=" + str(cfg.slot) + " outside 0.." + str(slots - 1) + " for " +
                 str(c.scs_khz) + " kHz"};
  }
  if (cfg.rnti > 65535) return Error{"rnti=" + str(cfg.rnti) + " outside 0..65535"};
  if (cfg.n_id > 1023) return Error{"n_id=" + str(cfg.n_id) + " outside 0..1023"};
  if (cfg.nof_prb < 1 || cfg.nof_prb > c.n_rb) {
    return Error{"nof_prb=" + str(cfg.nof_prb) + " outside 1.." + str(c.n_rb) + " (carrier.n_rb)"};
  }
  if (cfg.prb_start > c.n_rb - cfg.nof_prb) {
    return Error{"prb_start=" + str(cfg.prb_start) + " with nof_prb=" + str(cfg.nof_prb) +
                 " runs past the carrier's " + str(c.n_rb) + " PRBs: prb_start must be 0.." +
                 str(c.n_rb - cfg.nof_prb)};
  }
  if (cfg.start_symbol > 13) {
    return Error{"start_symbol=" + str(cfg.start_symbol) + " outside 0..13"};
  }
  if (cfg.nof_symbols < 1 || cfg.start_symbol + cfg.nof_symbols > kSymbolsPerSlot) {
    return Error{"nof_symbols=" + str(cfg.nof_symbols) + " outside 1.." +
                 str(kSymbolsPerSlot - cfg.start_symbol) +
                 " for start_symbol=" + str(cfg.start_symbol)};
  }
  if (cfg.mcs_table != McsTable::qam64 && cfg.mcs_table != McsTable::qam256 &&
      cfg.mcs_table != McsTable::qam64_low_se) {
    return Error{"mcs_table=" + std::string(mcs_table_name(cfg.mcs_table)) +
                 " needs transform precoding; allowed: qam64, qam256, qam64LowSE"};
  }
  const Expected<McsEntry> mcs = mcs_entry(cfg.mcs_table, cfg.mcs);
  if (!mcs) return mcs.error();
  if (mcs->reserved) {
    return Error{"mcs=" + str(cfg.mcs) + " is a reserved row of " +
                 std::string(mcs_table_name(cfg.mcs_table)) +
                 " (retransmissions only); use a row with a code rate"};
  }
  if (cfg.nof_layers < 1 || cfg.nof_layers > kPuschMaxLayers) {
    return Error{"nof_layers=" + str(cfg.nof_layers) + " outside 1..4"};
  }
  if (cfg.rv > 3) return Error{"rv=" + str(cfg.rv) + " outside 0..3"};
  if (cfg.dmrs_type != DmrsType::type1 && cfg.dmrs_type != DmrsType::type2) {
    return Error{"dmrs_type must be 1 or 2"};
  }
  for (unsigned layer = 0; layer < cfg.nof_layers; ++layer) {
    if (Status s = pusch_dmrs_validate(pusch_dmrs_config(cfg, layer)); !s) {
      return Error{"DM-RS of layer " + str(layer) + ": " + s.message()};
    }
  }
  return Status::ok();
}

Expected<PuschDerived> pusch_derive(const PuschConfig& cfg) {
  if (Status s = pusch_config_validate(cfg); !s) return Error{s.message()};
  PuschDerived d;
  const McsEntry mcs = *mcs_entry(cfg.mcs_table, cfg.mcs);
  d.qm = mcs.qm;
  d.code_rate = mcs.code_rate();
  const Expected<Modulation> mod = modulation_from_qm(mcs.qm);
  if (!mod) return mod.error();
  d.modulation = *mod;
  d.dmrs_symbols = *pusch_dmrs_symbols(position_config(cfg));
  d.dmrs_beta = *pusch_dmrs_beta(cfg.dmrs_type, cfg.nof_cdm_groups_without_data);
  d.dmrs_re_per_prb = cfg.dmrs_type == DmrsType::type1 ? 6 : 4;
  for (unsigned k = 0; k < kSubcarriersPerRb; ++k) {
    bool data = true;
    for (unsigned g = 0; g < cfg.nof_cdm_groups_without_data; ++g) {
      data = data && !pusch_dmrs_in_cdm_group(cfg.dmrs_type, g, k);
    }
    if (data) d.dmrs_data_mask = static_cast<uint16_t>(d.dmrs_data_mask | (1u << k));
  }
  const unsigned dmrs_count = d.dmrs_symbols.count;
  // N_DMRS^PRB counts the REs of every CDM group without data (TS 38.214 6.1.4.2).
  d.nof_dmrs_prb = dmrs_count * d.dmrs_re_per_prb * cfg.nof_cdm_groups_without_data;
  const unsigned data_per_prb =
      (cfg.nof_symbols - dmrs_count) * kSubcarriersPerRb +
      dmrs_count * (kSubcarriersPerRb - d.dmrs_re_per_prb * cfg.nof_cdm_groups_without_data);
  d.nof_data_re = data_per_prb * cfg.nof_prb;
  if (d.nof_data_re == 0)
    return Error{"nof_symbols=" + str(cfg.nof_symbols) + " leaves no data REs"};
  d.g = d.nof_data_re * d.qm * cfg.nof_layers;

  TbsConfig tbs_base;
  tbs_base.nof_prb = cfg.nof_prb;
  tbs_base.nof_symbols = cfg.nof_symbols;
  tbs_base.nof_dmrs_prb = d.nof_dmrs_prb;
  tbs_base.nof_oh_prb = 0;
  tbs_base.nof_layers = cfg.nof_layers;
  const Expected<TbsConfig> tbs_cfg = tbs_config_from_mcs(cfg.mcs_table, cfg.mcs, tbs_base);
  if (!tbs_cfg) return tbs_cfg.error();
  const Expected<unsigned> tbs = transport_block_size(*tbs_cfg);
  if (!tbs) return tbs.error();
  d.tbs = *tbs;

  const Expected<uint32_t> c_init = pusch_scrambling_c_init(cfg.rnti, cfg.n_id);
  if (!c_init) return c_init.error();
  d.scrambling_c_init = *c_init;

  // The coding chain must fit the G coded bits (at least one symbol per layer per code block).
  TransportBlockCodingConfig coding;
  coding.tbs = d.tbs;
  coding.target_code_rate = d.code_rate;
  coding.qm = d.qm;
  coding.num_layers = cfg.nof_layers;
  coding.g = d.g;
  coding.rv = cfg.rv;
  if (auto seg = transport_block_segmentation(coding); !seg) {
    return Error{"nof_prb=" + str(cfg.nof_prb) + " too small for the TB: " + seg.error().message};
  }
  return d;
}

}  // namespace airan::phy
