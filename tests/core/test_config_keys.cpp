// The config key table: JSON keys and moe-train flags are the ones scripts rely on, each once,
// and to_json / from_json write and read exactly the table's keys.
#include <QTemporaryDir>
#include <QtTest>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "core/routing/router_registry.h"
#include "core/train/config_keys.h"

using namespace moe::core;

class TestConfigKeys : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void namesAreStable() {
    // Scripts and saved configs use these names: renaming one breaks them.
    const std::vector<std::pair<std::string, std::string>> expected{
        {"dataset", "--dataset"},
        {"data_dir", "--data-dir"},
        {"model", "--model"},
        {"router", "--router"},
        {"experts", "--experts"},
        {"top_k", "--top-k"},
        {"capacity_factor", "--capacity-factor"},
        {"expert_hidden", "--expert-hidden"},
        {"activation", "--activation"},
        {"stem_width", "--stem-width"},
        {"noise_scale", "--noise"},
        {"embedding_l2", "--embedding-l2"},
        {"patch_size", "--patch-size"},
        {"shared_experts", "--shared-experts"},
        {"expert_split", "--expert-split"},
        {"layers", "--layers"},
        {"layer_experts", "--layer-experts"},
        {"layer_top_k", "--layer-top-k"},
        {"layer_routers", "--layer-routers"},
        {"epochs", "--epochs"},
        {"batch_size", "--batch-size"},
        {"lr", "--lr"},
        {"optimizer", "--optimizer"},
        {"momentum", ""},
        {"beta1", ""},
        {"beta2", ""},
        {"weight_decay", "--weight-decay"},
        {"clip_norm", "--clip-norm"},
        {"lazy_experts", "--lazy-experts"},
        {"aux_loss", "--aux-loss"},
        {"importance_loss", "--importance-loss"},
        {"load_loss", "--load-loss"},
        {"z_loss", "--z-loss"},
        {"seed", "--seed"},
        {"threads", "--threads"},
        {"backend", "--backend"},
        {"max_train", "--max-train"},
        {"validation_fraction", "--validation-fraction"},
        {"ngram_min", "--ngram-min"},
        {"ngram_max", "--ngram-max"},
        {"hash_buckets", "--hash-buckets"},
        {"diagnostics", "--diagnostics"},
        {"norm_every", "--norm-every"},
        {"fragile_margin", "--fragile-margin"},
        {"alarm_window", "--alarm-window"},
        {"collapse_factor", "--collapse-factor"},
        {"drop_alarm", "--drop-alarm"},
        {"churn_alarm", "--churn-alarm"},
        {"loss_spike", "--loss-spike"},
        {"score", "--score"},
        {"route_scale", "--route-scale"},
        {"bias_update_rate", "--bias-update-rate"},
        {"drop_policy", "--drop-policy"},
        {"slots_per_expert", "--slots-per-expert"},
        {"balance_scope", "--balance-scope"},
        {"balance_window", "--balance-window"},
        {"depth", "--depth"},
        {"branching", "--branching"},
        {"fit", "--fit"},
        {"mixture_loss", "--mixture-loss"},
        {"toy_size", "--toy-size"},
        {"toy_noise", "--toy-noise"},
        {"toy_classes", "--toy-classes"}};
    QCOMPARE(configKeys().size(), expected.size());
    std::set<std::string> keys, flags;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const ConfigKey& k = configKeys()[i];
      QCOMPARE(std::string(k.key), expected[i].first);
      QCOMPARE(std::string(k.flag ? k.flag : ""), expected[i].second);
      QVERIFY(!k.help.empty());
      QVERIFY(keys.insert(k.key).second);
      if (k.flag) QVERIFY(flags.insert(k.flag).second);
      QCOMPARE(findConfigKey(k.key), &k);
    }
    QVERIFY(findConfigKey("no_such_key") == nullptr);
    // The router flag's help lists the registry.
    for (const RouterEntry& r : routerRegistry())
      QVERIFY(QString::fromStdString(findConfigKey("router")->help).contains(r.info.name));
  }

  void jsonHasExactlyTheTable() {
    nlohmann::json j;
    to_json(j, TrainConfig{});
    QCOMPARE(j.size(), configKeys().size());
    for (const ConfigKey& k : configKeys()) QVERIFY2(j.contains(k.key), k.key);
  }

  void everyKeyRoundTrips() {
    // Change each key alone to a valid non-default value; from_json must carry it back.
    nlohmann::json base;
    to_json(base, TrainConfig{});
    for (const ConfigKey& k : configKeys()) {
      nlohmann::json changed = base;
      auto& v = changed[k.key];
      if (v.is_string())
        v = std::string(k.key) == "router"       ? nlohmann::json(routerRegistry().back().info.name)
            : std::string(k.key) == "model"      ? nlohmann::json("stem-moe")
            : std::string(k.key) == "optimizer"  ? nlohmann::json("sgd")
            : std::string(k.key) == "activation" ? nlohmann::json("gelu")
            : std::string(k.key) == "score"      ? nlohmann::json("sigmoid")
            : std::string(k.key) == "drop_policy" ? nlohmann::json("random")
            : std::string(k.key) == "balance_scope" ? nlohmann::json("global")
            : std::string(k.key) == "fit"         ? nlohmann::json("em")
            : std::string(k.key) == "mixture_loss" ? nlohmann::json("cooperate")
                                                 : nlohmann::json("other");
      else if (v.is_number_float())
        v = v.get<double>() * 0.5 + 0.125;
      else
        v = v.get<std::int64_t>() + 1;
      TrainConfig c;
      from_json(changed, c);
      nlohmann::json back;
      to_json(back, c);
      QVERIFY2(back == changed, k.key);
      QVERIFY2(back != base, k.key);
    }
  }

  // Every integer key (from the table) takes only integers that fit: 3.7 is not truncated,
  // 1e30 not cast, a negative seed not wrapped, 2^40 not cut to an int. The error names the key.
  void integerKeysRefuseWhatDoesNotFit() {
    int integerKeys = 0;
    for (const ConfigKey& k : configKeys()) {
      const bool isInt = std::holds_alternative<int& (*)(TrainConfig&)>(k.field);
      const bool isU64 = std::holds_alternative<std::uint64_t& (*)(TrainConfig&)>(k.field);
      if (!isInt && !isU64) continue;
      ++integerKeys;
      std::vector<nlohmann::json> bad{3.7, 1e30, "12", true};
      if (isU64) bad.push_back(-5);
      if (isInt) bad.push_back(std::int64_t(1) << 40);
      for (const nlohmann::json& v : bad) {
        TrainConfig c;
        try {
          from_json(nlohmann::json{{k.key, v}}, c);
          QFAIL(qPrintable(QString("%1 = %2 was accepted").arg(k.key, QString::fromStdString(v.dump()))));
        } catch (const ConfigError& e) {
          QVERIFY2(QString(e.what()).contains(k.key), e.what());
        }
      }
      TrainConfig c;
      from_json(nlohmann::json{{k.key, 7}}, c);  // a plain integer still reads
    }
    QVERIFY(integerKeys >= 10);
    TrainConfig c;
    from_json(nlohmann::json{{"seed", std::uint64_t(-1)}}, c);  // the whole uint64 range
    QCOMPARE(c.seed, std::uint64_t(-1));
  }

  // A config file is one JSON object: trailing text or a second object is refused.
  void configFileTrailingTextIsRefused() {
    QTemporaryDir dir;
    const QString path = dir.filePath("c.json");
    const auto write = [&](const char* text) {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
      f.write(text);
    };
    write(R"({"experts": 4} {"experts": 5})");
    QVERIFY_THROWS_EXCEPTION(ConfigError, loadConfigFile(path.toStdString()));
    write(R"({"experts": 4} trailing)");
    QVERIFY_THROWS_EXCEPTION(ConfigError, loadConfigFile(path.toStdString()));
    write("{\"experts\": 4}\n\n");
    QCOMPARE(loadConfigFile(path.toStdString()).model.experts, 4);
  }
};

QTEST_GUILESS_MAIN(TestConfigKeys)
#include "test_config_keys.moc"
