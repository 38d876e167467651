// The built-in taxonomy: why customers call a mobile / broadband operator.
#include <string_view>

#include "airan/callcenter/taxonomy.h"

namespace airan::callcenter {

std::string_view default_taxonomy_json() {
  static constexpr std::string_view kJson = R"json({
  "fallback": "other",
  "categories": [
    {
      "id": "billing",
      "labels": {"en": "Billing and charges", "ja": "料金・請求"},
      "keywords": {
        "en": ["bill", "billing", "invoice", "charge", "charged", "charged twice", "double charge",
               "double-charged", "refund", "overcharged", "payment", "fee", "statement"],
        "ja": ["請求", "料金", "二重", "引き落とし", "返金", "明細", "支払", "課金", "請求書"]
      },
      "replies": {
        "en": ["I'm sorry about the charge. Let me check the billing details on your account and correct anything that is wrong.",
               "Confirm the billing period and the amount the customer disputes.",
               "Explain when the refund or credit will appear on the next statement."],
        "ja": ["ご請求の件、ご迷惑をおかけして申し訳ございません。ただいまご契約のご請求内容を確認いたします。",
               "対象の請求月と金額を確認する。",
               "返金・相殺の時期と、次回の明細への反映を案内する。"]
      }
    },
    {
      "id": "technical_support",
      "labels": {"en": "Technical support (connection, network)", "ja": "技術サポート（通信・接続）"},
      "keywords": {
        "en": ["connection", "disconnect", "drops", "dropped", "dropping", "no signal", "signal",
               "slow", "internet", "data", "network", "outage", "router", "coverage", "5g", "4g",
               "can't connect", "cannot connect"],
        "ja": ["つながらない", "繋がらない", "切れる", "途切れ", "圏外", "電波", "遅い", "通信",
               "接続", "障害", "ネット", "ルーター", "5G", "4G", "速度"]
      },
      "replies": {
        "en": ["I understand how frustrating dropped connections are. Let me check for network issues in your area first.",
               "Ask when and where the drops happen, and whether a restart helps.",
               "Check the area's outage map and the device's network settings."],
        "ja": ["通信が切れてしまうとのこと、ご不便をおかけしております。まずお住まいの地域の通信状況をお調べいたします。",
               "発生する時間帯と場所、再起動で改善するかを確認する。",
               "エリアの障害情報と端末のネットワーク設定を確認する。"]
      }
    },
    {
      "id": "plan_change",
      "labels": {"en": "Plan change", "ja": "料金プラン変更"},
      "keywords": {
        "en": ["plan", "change plan", "change my plan", "upgrade", "downgrade", "unlimited",
               "data plan", "cheaper plan", "switch plan", "gigabytes", "gb"],
        "ja": ["プラン", "プラン変更", "変更したい", "ギガ", "無制限", "容量", "安いプラン", "乗り換え"]
      },
      "replies": {
        "en": ["Happy to help with your plan. May I ask how much data you use in a typical month?",
               "Compare the customer's usage over the last three months with the available plans.",
               "Explain from which billing cycle the new plan applies."],
        "ja": ["プランの変更について承ります。普段ひと月にどのくらいデータをご利用でしょうか。",
               "直近3か月の利用量と各プランを比較して案内する。",
               "新プランがどの請求月から適用されるかを説明する。"]
      }
    },
    {
      "id": "cancellation",
      "labels": {"en": "Cancellation", "ja": "解約"},
      "keywords": {
        "en": ["cancel", "cancellation", "terminate", "close my account", "end my contract",
               "switch provider", "leave", "port out"],
        "ja": ["解約", "やめたい", "辞めたい", "退会", "他社", "MNP", "乗り換えたい"]
      },
      "replies": {
        "en": ["I'm sorry to hear you want to leave. May I ask what made you decide to cancel?",
               "Check contract end date and any early termination fee.",
               "Offer a retention plan if the reason is price."],
        "ja": ["ご解約をご検討とのこと、承知いたしました。差し支えなければ理由をお伺いしてもよろしいでしょうか。",
               "契約期間と解約金の有無を確認する。",
               "料金が理由の場合は割引プランを提案する。"]
      }
    },
    {
      "id": "moving",
      "labels": {"en": "Moving / address change", "ja": "引っ越し・住所変更"},
      "keywords": {
        "en": ["moving", "move", "relocate", "new address", "change of address", "address change",
               "transfer service"],
        "ja": ["引っ越し", "引越し", "転居", "住所変更", "新住所", "移転"]
      },
      "replies": {
        "en": ["Congratulations on the move. Let me update your address and check service at the new location.",
               "Confirm the moving date and the new address.",
               "Check whether home internet is available at the new address."],
        "ja": ["お引っ越しの手続きですね。新しいご住所と、お引っ越しの日にちをお伺いできますでしょうか。",
               "転居日と新住所を確認する。",
               "新住所で光回線などのサービスが提供可能か確認する。"]
      }
    },
    {
      "id": "device",
      "labels": {"en": "Device (handset, SIM, repair)", "ja": "端末・SIM・修理"},
      "keywords": {
        "en": ["phone is broken", "broken", "screen", "battery", "device", "handset", "sim",
               "esim", "repair", "replacement", "new phone", "iphone", "android"],
        "ja": ["端末", "機種変更", "故障", "修理", "画面", "バッテリー", "SIM", "eSIM", "スマホ", "交換"]
      },
      "replies": {
        "en": ["Sorry to hear about your device. Let me check your warranty and repair options.",
               "Ask for the model and what exactly is wrong.",
               "Check the device protection plan on the account."],
        "ja": ["端末の不具合とのこと、ご不便をおかけしております。保証の内容と修理の方法をご案内いたします。",
               "機種と症状を確認する。",
               "補償サービスの加入状況を確認する。"]
      }
    },
    {
      "id": "roaming",
      "labels": {"en": "International roaming", "ja": "海外ローミング"},
      "keywords": {
        "en": ["roaming", "abroad", "overseas", "travel", "traveling", "travelling",
               "international", "trip"],
        "ja": ["ローミング", "海外", "旅行", "渡航", "出張", "国際"]
      },
      "replies": {
        "en": ["Let me check that roaming is active on your line and explain the daily rates for your destination.",
               "Confirm the destination country and travel dates.",
               "Explain the daily roaming pass and how to avoid unexpected data charges."],
        "ja": ["海外でのご利用ですね。ローミングの設定状況と、渡航先での料金をご案内いたします。",
               "渡航先の国と期間を確認する。",
               "定額の海外パケットプランと、高額請求を防ぐ設定を案内する。"]
      }
    },
    {
      "id": "account",
      "labels": {"en": "Account and password", "ja": "アカウント・パスワード"},
      "keywords": {
        "en": ["password", "log in", "login", "locked out", "account locked", "username",
               "reset", "two-factor", "verification code", "my account"],
        "ja": ["パスワード", "ログイン", "ID", "アカウント", "ロック", "暗証番号", "認証", "再設定"]
      },
      "replies": {
        "en": ["I can help you get back into your account. First I need to verify your identity.",
               "Verify identity before any account change.",
               "Send a password reset link to the registered e-mail address."],
        "ja": ["アカウントの件、承知いたしました。まずはご本人確認をさせていただけますでしょうか。",
               "変更の前に本人確認を行う。",
               "登録メールアドレスにパスワード再設定のリンクを送る。"]
      }
    },
    {
      "id": "complaint",
      "labels": {"en": "Complaint", "ja": "苦情"},
      "keywords": {
        "en": ["complaint", "complain", "unacceptable", "rude", "manager", "supervisor",
               "terrible service", "escalate"],
        "ja": ["苦情", "クレーム", "責任者", "対応が悪い", "ひどい", "納得できない", "上の人"]
      },
      "replies": {
        "en": ["I'm very sorry for the experience you've had. I'll make sure this is recorded and handled.",
               "Listen fully before proposing anything; summarise the complaint back.",
               "Offer escalation to a supervisor if the customer asks."],
        "ja": ["ご不快な思いをおかけし、誠に申し訳ございません。いただいたご意見は必ず記録し、対応いたします。",
               "提案の前に最後までお話を伺い、要点を復唱する。",
               "ご希望があれば責任者へ引き継ぐ。"]
      }
    },
    {
      "id": "other",
      "labels": {"en": "Other", "ja": "その他"},
      "keywords": {"en": [], "ja": []},
      "replies": {
        "en": ["Thank you for calling. Could you tell me a little more about what you need today?",
               "Clarify the customer's request before acting."],
        "ja": ["お問い合わせありがとうございます。本日のご用件をもう少し詳しくお伺いできますでしょうか。",
               "ご用件を明確にしてから対応する。"]
      }
    }
  ]
})json";
  return kJson;
}

}  // namespace airan::callcenter
