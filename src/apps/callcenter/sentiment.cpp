// Sentiment lexicons and scoring.
#include "airan/callcenter/sentiment.h"

#include <algorithm>
#include <array>
#include <string>

#include "airan/callcenter/taxonomy.h"
#include "airan/callcenter/utf8.h"

namespace airan::callcenter {
namespace {

constexpr std::array<std::string_view, 34> kPositiveEn = {
    "thank",     "thanks",  "great",     "good",      "perfect",   "excellent", "appreciate",
    "helpful",   "happy",   "glad",      "wonderful", "resolved",  "works",     "working",
    "love",      "awesome", "fantastic", "pleased",   "satisfied", "fixed",     "nice",
    "brilliant", "amazing", "easy",      "fine",      "relieved",  "sorted",    "better",
    "quick",     "quickly", "kind",      "patient",   "clear",     "welcome"};
constexpr std::array<std::string_view, 38> kNegativeEn = {
    "angry",    "annoyed",   "annoying",  "frustrated",   "frustrating", "terrible",     "awful",
    "horrible", "bad",       "worst",     "unacceptable", "ridiculous",  "disappointed", "upset",
    "problem",  "issue",     "broken",    "wrong",        "fail",        "failed",       "failing",
    "slow",     "drops",     "dropped",   "complain",     "complaint",   "cancel",       "never",
    "useless",  "waste",     "expensive", "overcharged",  "twice",       "unhappy",      "hate",
    "worse",    "confusing", "stuck"};
constexpr std::array<std::string_view, 24> kPositiveJa = {
    "ありがとう",     "助かり",       "助かる", "良かった",     "よかった",       "安心",
    "満足",           "解決",         "嬉しい", "うれしい",     "丁寧",           "わかりやすい",
    "分かりやすい",   "便利",         "快適",   "感謝",         "素晴らしい",     "直りました",
    "つながりました", "お願いします", "了解",   "承知しました", "問題ありません", "大丈夫です"};
constexpr std::array<std::string_view, 32> kNegativeJa = {
    "困って",       "困る",       "不満",   "ひどい",   "最悪",     "遅い",
    "つながらない", "繋がらない", "切れる", "切れて",   "途切れ",   "不便",
    "納得できない", "おかしい",   "怒",     "残念",     "高い",     "二重",
    "間違",         "不具合",     "故障",   "壊れ",     "使えない", "できない",
    "わからない",   "分からない", "解約",   "クレーム", "苦情",     "迷惑",
    "心配",         "不安"};
constexpr std::array<std::string_view, 6> kNegationsEn = {"not",   "never",  "no",
                                                          "don't", "didn't", "isn't"};

// Lower-case ASCII words of `text` (letters, digits, apostrophes).
std::vector<std::string> english_words(std::string_view text) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : ascii_lower(text)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '\'') {
      cur += c;
    } else if (!cur.empty()) {
      words.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

template <size_t N>
bool in(const std::array<std::string_view, N>& list, std::string_view w) {
  return std::find(list.begin(), list.end(), w) != list.end();
}

}  // namespace

std::string_view sentiment_label_name(SentimentLabel label) {
  switch (label) {
    case SentimentLabel::kNegative:
      return "negative";
    case SentimentLabel::kNeutral:
      return "neutral";
    case SentimentLabel::kPositive:
      return "positive";
  }
  return "neutral";
}

Expected<SentimentLabel> sentiment_label_from_name(std::string_view name) {
  if (name == "negative") return SentimentLabel::kNegative;
  if (name == "neutral") return SentimentLabel::kNeutral;
  if (name == "positive") return SentimentLabel::kPositive;
  return Error{"expected \"positive\", \"neutral\" or \"negative\", got \"" + std::string(name) +
               "\""};
}

SentimentLabel label_for_score(double score) {
  if (score < -0.2) return SentimentLabel::kNegative;
  if (score > 0.2) return SentimentLabel::kPositive;
  return SentimentLabel::kNeutral;
}

Sentiment lexicon_sentiment(std::string_view text) {
  double pos = 0.0;
  double neg = 0.0;
  const std::vector<std::string> words = english_words(text);
  for (size_t i = 0; i < words.size(); ++i) {
    std::string w = words[i];
    // "drops" and "thanks" are listed; other plurals fall back to the stem.
    const bool p =
        in(kPositiveEn, w) || (w.size() > 3 && w.back() == 's' &&
                               in(kPositiveEn, std::string_view(w).substr(0, w.size() - 1)));
    const bool n =
        in(kNegativeEn, w) || (w.size() > 3 && w.back() == 's' &&
                               in(kNegativeEn, std::string_view(w).substr(0, w.size() - 1)));
    if (!p && !n) continue;
    bool negated = false;
    for (size_t k = i >= 2 ? i - 2 : 0; k < i; ++k) {
      negated |= in(kNegationsEn, words[k]) || words[k].ends_with("n't");
    }
    if (words[i] == "never") negated = false;
    if (p != negated)
      pos += 1.0;
    else
      neg += 1.0;
  }
  for (std::string_view k : kPositiveJa)
    pos += static_cast<double>(count_keyword(text, k, Language::kJa));
  for (std::string_view k : kNegativeJa)
    neg += static_cast<double>(count_keyword(text, k, Language::kJa));
  Sentiment s;
  s.score = (pos - neg) / (pos + neg + 1.0);
  s.label = label_for_score(s.score);
  return s;
}

Sentiment overall_sentiment(const Transcript& transcript, const std::vector<Sentiment>& turns) {
  bool customer_speaks = false;
  for (const Turn& t : transcript.turns) customer_speaks |= t.speaker == Speaker::kCustomer;
  double sum = 0.0;
  double weights = 0.0;
  for (size_t k = 0; k < turns.size() && k < transcript.turns.size(); ++k) {
    if (customer_speaks && transcript.turns[k].speaker != Speaker::kCustomer) continue;
    const double w = static_cast<double>(k + 1);
    sum += w * turns[k].score;
    weights += w;
  }
  Sentiment s;
  s.score = weights > 0.0 ? sum / weights : 0.0;
  s.label = label_for_score(s.score);
  return s;
}

}  // namespace airan::callcenter
