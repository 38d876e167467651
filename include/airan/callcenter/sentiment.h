#pragma once
// Lexicon-based sentiment, Japanese and English: the baseline the analysis falls back on when the
// model gives no usable sentiment.

#include <string_view>
#include <vector>

#include "airan/callcenter/transcript.h"
#include "airan/common/expected.h"

namespace airan::callcenter {

enum class SentimentLabel { kNegative, kNeutral, kPositive };

/// "negative", "neutral" or "positive".
std::string_view sentiment_label_name(SentimentLabel label);
/// Label from its name. Error: any other name.
Expected<SentimentLabel> sentiment_label_from_name(std::string_view name);

/// A label with a score in [-1, 1] (negative .. positive).
struct Sentiment {
  SentimentLabel label = SentimentLabel::kNeutral;
  double score = 0.0;
};

/// The label a score falls in: below -0.2 negative, above 0.2 positive, else neutral.
SentimentLabel label_for_score(double score);

/// Sentiment of one utterance from the ja and en lexicons: (positive - negative) / (hits + 1),
/// where an English word right after a negation ("not", "never", "n't", "no") counts for the
/// other side, and Japanese entries include their negated forms ("つながらない").
Sentiment lexicon_sentiment(std::string_view text);

/// Overall sentiment of a call from per-turn results: the customer's turns weighted by position
/// (turn k of n counts k + 1, so how the call ends matters most); all turns if the customer never
/// speaks.
Sentiment overall_sentiment(const Transcript& transcript, const std::vector<Sentiment>& turns);

}  // namespace airan::callcenter
