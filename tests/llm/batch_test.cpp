#include "airan/llm/batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <vector>

namespace airan::llm {
namespace {

std::vector<TokenId> prompt_of(size_t n, TokenId first = 100) {
  std::vector<TokenId> p(n);
  std::iota(p.begin(), p.end(), first);
  return p;
}

SequenceId add_ok(BatchScheduler& s, size_t prompt_len, size_t max_new) {
  auto id = s.add(prompt_of(prompt_len), max_new);
  EXPECT_TRUE(id.has_value()) << (id ? "" : id.error().message);
  return id ? *id : 0;
}

// Plays the engine for one planned step: every prefill chunk runs; a completed prompt and every
// decode item sample token `next_token`.
void run_step(BatchScheduler& s, const StepPlan& plan, TokenId next_token = 7) {
  for (const auto& p : plan.prefill) {
    ASSERT_TRUE(s.prefilled(p.id, p.count).is_ok());
    if (p.completes_prompt) {
      ASSERT_TRUE(s.append_token(p.id, next_token).is_ok());
    }
  }
  for (const auto& d : plan.decode) ASSERT_TRUE(s.append_token(d.id, next_token).is_ok());
}

TEST(BatchScheduler, RejectsInvalidRequestsNamingTheField) {
  BatchLimits limits;
  limits.max_context_tokens = 8;
  BatchScheduler s(limits);
  auto empty = s.add({}, 4);
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().message.find("prompt"), std::string::npos);
  auto zero = s.add(prompt_of(3), 0);
  ASSERT_FALSE(zero.has_value());
  EXPECT_NE(zero.error().message.find("max_new_tokens"), std::string::npos);
  auto too_long = s.add(prompt_of(8), 1);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_NE(too_long.error().message.find("context"), std::string::npos);
  EXPECT_TRUE(s.add(prompt_of(7), 1).has_value());
  EXPECT_FALSE(s.finish(1, SequenceFinish::kNone).is_ok());
  EXPECT_FALSE(s.finish(99, SequenceFinish::kStop).is_ok());
  EXPECT_FALSE(s.prefilled(99, 1).is_ok());
  EXPECT_FALSE(s.append_token(99, 1).is_ok());
  EXPECT_FALSE(s.release(99).is_ok());
}

TEST(BatchScheduler, OneSequencePrefillsInChunksThenDecodesToMaxTokens) {
  BatchScheduler s(BatchLimits{});
  const SequenceId id = add_ok(s, 10, 3);
  EXPECT_EQ(s.find(id)->state, SequenceState::kWaiting);

  StepPlan p1 = s.next_step(64, 4);
  ASSERT_EQ(p1.prefill.size(), 1u);
  EXPECT_TRUE(p1.decode.empty());
  EXPECT_EQ(p1.prefill[0].first, 0u);
  EXPECT_EQ(p1.prefill[0].count, 4u);
  EXPECT_FALSE(p1.prefill[0].completes_prompt);
  EXPECT_EQ(s.find(id)->state, SequenceState::kPrefilling);
  // Worst case: 10 prompt + 3 generated, the last one never fed.
  EXPECT_EQ(s.kv_reserved_tokens(), 12u);
  // Not planned again before its chunk is recorded.
  EXPECT_TRUE(s.next_step(64, 4).empty());
  EXPECT_FALSE(s.append_token(id, 1).is_ok());  // prompt not done
  EXPECT_FALSE(s.prefilled(id, 3).is_ok());     // wrong length
  ASSERT_TRUE(s.prefilled(id, 4).is_ok());
  EXPECT_FALSE(s.prefilled(id, 4).is_ok());  // nothing pending any more

  StepPlan p2 = s.next_step(64, 4);
  ASSERT_EQ(p2.prefill.size(), 1u);
  EXPECT_EQ(p2.prefill[0].first, 4u);
  run_step(s, p2);
  StepPlan p3 = s.next_step(64, 4);
  ASSERT_EQ(p3.prefill.size(), 1u);
  EXPECT_EQ(p3.prefill[0].first, 8u);
  EXPECT_EQ(p3.prefill[0].count, 2u);
  EXPECT_TRUE(p3.prefill[0].completes_prompt);
  run_step(s, p3, 500);
  EXPECT_EQ(s.find(id)->state, SequenceState::kDecoding);
  EXPECT_EQ(s.kv_used_tokens(), 10u);

  StepPlan p4 = s.next_step(64, 4);
  ASSERT_EQ(p4.decode.size(), 1u);
  EXPECT_EQ(p4.decode[0].token, 500);
  EXPECT_EQ(p4.decode[0].position, 10u);
  run_step(s, p4, 501);
  StepPlan p5 = s.next_step(64, 4);
  ASSERT_EQ(p5.decode.size(), 1u);
  EXPECT_EQ(p5.decode[0].token, 501);
  EXPECT_EQ(p5.decode[0].position, 11u);
  EXPECT_EQ(s.kv_used_tokens(), 12u);
  run_step(s, p5, 502);

  const Sequence* seq = s.find(id);
  EXPECT_EQ(seq->state, SequenceState::kFinished);
  EXPECT_EQ(seq->finish_reason, SequenceFinish::kMaxTokens);
  EXPECT_EQ(seq->generated, (std::vector<TokenId>{500, 501, 502}));
  EXPECT_EQ(s.kv_reserved_tokens(), 0u);
  EXPECT_EQ(s.kv_used_tokens(), 0u);
  EXPECT_FALSE(s.has_work());
  EXPECT_FALSE(s.append_token(id, 1).is_ok());
  EXPECT_TRUE(s.release(id).is_ok());
  EXPECT_EQ(s.find(id), nullptr);
}

TEST(BatchScheduler, DecodeFirstThenPrefillFillsTheTokenBudget) {
  BatchScheduler s(BatchLimits{});
  const SequenceId a = add_ok(s, 2, 50);
  const SequenceId b = add_ok(s, 2, 50);
  run_step(s, s.next_step(64, 64));  // both prompts in one step
  const SequenceId c = add_ok(s, 100, 5);
  StepPlan p = s.next_step(10, 64);
  ASSERT_EQ(p.decode.size(), 2u);
  EXPECT_EQ(p.decode[0].id, a);
  EXPECT_EQ(p.decode[1].id, b);
  ASSERT_EQ(p.prefill.size(), 1u);
  EXPECT_EQ(p.prefill[0].id, c);
  EXPECT_EQ(p.prefill[0].count, 8u);
  EXPECT_EQ(p.n_tokens(), 10u);
}

TEST(BatchScheduler, DecodeTurnsRotateWhenTheBudgetIsSmall) {
  BatchScheduler s(BatchLimits{});
  std::vector<SequenceId> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(add_ok(s, 1, 100));
  run_step(s, s.next_step(64, 64));
  std::vector<int> served(ids.size(), 0);
  for (int step = 0; step < 10; ++step) {
    StepPlan p = s.next_step(2, 64);
    ASSERT_EQ(p.decode.size(), 2u);
    for (const auto& d : p.decode) ++served[d.id - ids[0]];
    run_step(s, p);
  }
  for (int n : served) EXPECT_EQ(n, 4);
}

TEST(BatchScheduler, AdmitsWithinKvBudgetAndMaxSequencesInArrivalOrder) {
  BatchLimits limits;
  limits.kv_budget_tokens = 40;
  limits.max_sequences = 2;
  BatchScheduler s(limits);
  const SequenceId a = add_ok(s, 10, 11);     // reserves 20
  const SequenceId b = add_ok(s, 10, 11);     // reserves 20
  const SequenceId c = add_ok(s, 5, 6);       // reserves 10: waits for budget
  const SequenceId huge = add_ok(s, 30, 20);  // 49 > 40: never fits
  EXPECT_EQ(s.find(huge)->state, SequenceState::kFinished);
  EXPECT_EQ(s.find(huge)->finish_reason, SequenceFinish::kKvBudget);

  StepPlan p = s.next_step(64, 64);
  EXPECT_EQ(p.prefill.size(), 2u);
  EXPECT_EQ(s.find(c)->state, SequenceState::kWaiting);
  EXPECT_EQ(s.kv_reserved_tokens(), 40u);
  run_step(s, p);
  ASSERT_TRUE(s.finish(a, SequenceFinish::kStop).is_ok());
  EXPECT_EQ(s.kv_reserved_tokens(), 20u);
  StepPlan q = s.next_step(64, 64);
  EXPECT_EQ(s.find(c)->state, SequenceState::kPrefilling);
  ASSERT_EQ(q.prefill.size(), 1u);
  EXPECT_EQ(q.prefill[0].id, c);
  ASSERT_EQ(q.decode.size(), 1u);
  EXPECT_EQ(q.decode[0].id, b);
  EXPECT_EQ(s.count(SequenceState::kFinished), 2u);
}

TEST(BatchScheduler, HeadOfLineSequenceIsNotOvertaken) {
  BatchLimits limits;
  limits.kv_budget_tokens = 30;
  BatchScheduler s(limits);
  const SequenceId a = add_ok(s, 10, 11);    // 20
  const SequenceId big = add_ok(s, 15, 6);   // 20: does not fit beside a
  const SequenceId small = add_ok(s, 2, 2);  // 3: would fit, but arrives after big
  s.next_step(64, 64);
  EXPECT_EQ(s.find(a)->state, SequenceState::kPrefilling);
  EXPECT_EQ(s.find(big)->state, SequenceState::kWaiting);
  EXPECT_EQ(s.find(small)->state, SequenceState::kWaiting);
}

TEST(BatchScheduler, ContextFullFinishesTheSequence) {
  BatchLimits limits;
  limits.max_context_tokens = 6;
  BatchScheduler s(limits);
  const SequenceId id = add_ok(s, 4, 100);
  EXPECT_EQ(s.kv_reserved_tokens(), 0u);
  for (int step = 0; step < 10 && s.has_work(); ++step) run_step(s, s.next_step(64, 64));
  const Sequence* seq = s.find(id);
  EXPECT_EQ(seq->finish_reason, SequenceFinish::kContextFull);
  EXPECT_EQ(seq->prompt.size() + seq->generated.size(), 6u);
}

TEST(BatchScheduler, OnDemandReservationCutsTheSequenceThatCannotGrow) {
  BatchLimits limits;
  limits.kv_budget_tokens = 12;
  limits.reservation = KvReservation::kOnDemand;
  BatchScheduler s(limits);
  const SequenceId a = add_ok(s, 5, 100);
  const SequenceId b = add_ok(s, 5, 100);
  run_step(s, s.next_step(64, 64));
  EXPECT_EQ(s.kv_reserved_tokens(), 10u);
  // Two more cells are left: one decode step of both, then neither can grow: the first one
  // served is cut, which frees its cells for the other.
  run_step(s, s.next_step(64, 64));
  EXPECT_EQ(s.kv_reserved_tokens(), 12u);
  StepPlan p = s.next_step(64, 64);
  EXPECT_EQ(s.find(a)->finish_reason, SequenceFinish::kKvBudget);
  EXPECT_EQ(s.find(a)->generated.size(), 2u);
  ASSERT_EQ(p.decode.size(), 1u);
  EXPECT_EQ(p.decode[0].id, b);
  EXPECT_EQ(s.kv_reserved_tokens(), 7u);
  EXPECT_EQ(s.kv_used_tokens(), 7u);
}

TEST(BatchScheduler, FinishWhilePendingDropsTheLateResult) {
  BatchScheduler s(BatchLimits{});
  const SequenceId id = add_ok(s, 3, 10);
  StepPlan p = s.next_step(64, 64);
  ASSERT_TRUE(s.finish(id, SequenceFinish::kCancelled).is_ok());
  EXPECT_FALSE(s.prefilled(id, p.prefill[0].count).is_ok());
  EXPECT_EQ(s.find(id)->finish_reason, SequenceFinish::kCancelled);
  EXPECT_TRUE(s.finish(id, SequenceFinish::kStop).is_ok());  // already finished: unchanged
  EXPECT_EQ(s.find(id)->finish_reason, SequenceFinish::kCancelled);
  EXPECT_FALSE(s.has_work());
}

TEST(BatchScheduler, ReleaseOnlyFinished) {
  BatchScheduler s(BatchLimits{});
  const SequenceId id = add_ok(s, 3, 10);
  EXPECT_FALSE(s.release(id).is_ok());
  ASSERT_TRUE(s.finish(id, SequenceFinish::kStop).is_ok());
  EXPECT_TRUE(s.release(id).is_ok());
  EXPECT_FALSE(s.release(id).is_ok());
}

TEST(BatchScheduler, FinishReasonNames) {
  EXPECT_EQ(sequence_finish_name(SequenceFinish::kMaxTokens), "length");
  EXPECT_EQ(sequence_finish_name(SequenceFinish::kStop), "stop");
  EXPECT_EQ(sequence_finish_name(SequenceFinish::kKvBudget), "kv_budget");
}

// Random arrivals, limits and cancellations; the invariants hold after every step and every
// sequence ends.
TEST(BatchScheduler, RandomTrafficKeepsInvariants) {
  for (KvReservation mode : {KvReservation::kWorstCase, KvReservation::kOnDemand}) {
    for (uint32_t seed = 1; seed <= 20; ++seed) {
      std::mt19937 rng(seed);
      BatchLimits limits;
      limits.kv_budget_tokens = 50 + rng() % 200;
      limits.max_sequences = 1 + rng() % 6;
      limits.max_context_tokens = 20 + rng() % 60;
      limits.reservation = mode;
      BatchScheduler s(limits);
      size_t added = 0;
      for (int step = 0; step < 3000 && (added < 40 || s.has_work()); ++step) {
        if (added < 40 && rng() % 3 == 0) {
          const size_t len = 1 + rng() % (limits.max_context_tokens - 1);
          auto id = s.add(prompt_of(len), 1 + rng() % 30);
          ASSERT_TRUE(id.has_value());
          ++added;
        }
        const size_t max_tokens = 1 + rng() % 40;
        StepPlan plan = s.next_step(max_tokens, 1 + rng() % 16);
        ASSERT_LE(plan.n_tokens(), max_tokens);
        std::set<SequenceId> in_plan;
        for (const auto& d : plan.decode) {
          ASSERT_TRUE(in_plan.insert(d.id).second);
          const Sequence* seq = s.find(d.id);
          ASSERT_EQ(seq->state, SequenceState::kDecoding);
          ASSERT_EQ(d.token, seq->generated.back());
          ASSERT_EQ(d.position, seq->prompt.size() + seq->generated.size() - 1);
        }
        for (const auto& p : plan.prefill) {
          ASSERT_TRUE(in_plan.insert(p.id).second);
          const Sequence* seq = s.find(p.id);
          ASSERT_GT(p.count, 0u);
          ASSERT_EQ(p.completes_prompt, p.first + p.count == seq->prompt.size());
        }
        ASSERT_LE(s.kv_used_tokens(), s.kv_reserved_tokens());
        ASSERT_LE(s.kv_reserved_tokens(), limits.kv_budget_tokens);
        size_t admitted = 0;
        for (const auto& [id, seq] : s.sequences()) {
          ASSERT_LE(seq.kv_cells, seq.kv_reserved);
          ASSERT_LE(seq.prompt.size() + seq.generated.size(), limits.max_context_tokens);
          ASSERT_LE(seq.generated.size(), seq.max_new_tokens);
          if (seq.state == SequenceState::kPrefilling || seq.state == SequenceState::kDecoding) {
            ++admitted;
            const size_t fed = seq.generated.empty() ? 0 : seq.generated.size() - 1;
            const size_t planned = seq.pending == Sequence::Pending::kDecode ? 1 : 0;
            ASSERT_EQ(seq.kv_cells, seq.prompt_done + fed + planned);
          }
          if (seq.state == SequenceState::kFinished || seq.state == SequenceState::kWaiting) {
            ASSERT_EQ(seq.kv_reserved, 0u);
          }
          if (seq.state == SequenceState::kFinished) {
            ASSERT_NE(seq.finish_reason, SequenceFinish::kNone);
          }
        }
        ASSERT_LE(admitted, limits.max_sequences);
        // An occasional client hangs up before the results come back.
        if (!plan.decode.empty() && rng() % 10 == 0) {
          ASSERT_TRUE(s.finish(plan.decode[0].id, SequenceFinish::kCancelled).is_ok());
        }
        for (const auto& p : plan.prefill) {
          if (s.find(p.id)->state == SequenceState::kFinished) continue;
          ASSERT_TRUE(s.prefilled(p.id, p.count).is_ok());
          if (p.completes_prompt) {
            ASSERT_TRUE(s.append_token(p.id, 1).is_ok());
          }
        }
        for (const auto& d : plan.decode) {
          if (s.find(d.id)->state == SequenceState::kFinished) continue;
          ASSERT_TRUE(s.append_token(d.id, static_cast<TokenId>(rng() % 1000)).is_ok());
        }
        if (rng() % 7 == 0) {
          for (const auto& [id, seq] : s.sequences()) {
            if (seq.state == SequenceState::kFinished) {
              ASSERT_TRUE(s.release(id).is_ok());
              break;
            }
          }
        }
      }
      EXPECT_FALSE(s.has_work()) << "seed " << seed;
      EXPECT_EQ(s.kv_reserved_tokens(), 0u);
      for (const auto& [id, seq] : s.sequences()) {
        if (seq.finish_reason == SequenceFinish::kKvBudget && mode == KvReservation::kWorstCase) {
          // Worst-case reservation cuts nothing short: only never-fitting requests get kKvBudget.
          EXPECT_TRUE(seq.generated.empty());
        }
      }
    }
  }
}

}  // namespace
}  // namespace airan::llm
