// The config key table: JSON keys and moe-train flags are the ones scripts rely on, each once,
// and to_json / from_json write and read exactly the table's keys.
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
        {"epochs", "--epochs"},
        {"batch_size", "--batch-size"},
        {"lr", "--lr"},
        {"optimizer", "--optimizer"},
        {"momentum", ""},
        {"beta1", ""},
        {"beta2", ""},
        {"weight_decay", "--weight-decay"},
        {"clip_norm", "--clip-norm"},
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
        {"hash_buckets", "--hash-buckets"}};
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
};

QTEST_GUILESS_MAIN(TestConfigKeys)
#include "test_config_keys.moc"
