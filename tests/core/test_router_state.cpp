// Router state in checkpoints (RouterPolicy::state / setState / afterStep): a test-only router
// whose choices depend on its state is saved and restored, and a restored session continues
// bit-identically; files without router state (older ones, stateless routers) load as before;
// a state that does not fit is refused with a message and changes nothing.
#include <QtTest>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/data/catalog.h"
#include "core/data/splits.h"
#include "core/model/model.h"
#include "core/routing/router_policy.h"
#include "core/train/checkpoint.h"
#include "core/train/session.h"
#include "tests/core/dataset_skips.h"
#include "tests/core/session_fixtures.h"

using namespace moe;
using namespace moe::core;

namespace {

using testing::makeSession;
using testing::paramValues;

/** A router with state and not in the registry: each row goes to the one expert maximising
 *  p - 0.5 * (that expert's share of the rows routed in earlier training steps). Its state is
 *  the rows routed per expert, counted in choose() and added after each applied step. */
class CountRouter final : public RouterPolicy {
 public:
  explicit CountRouter(int experts)
      : mCounts(std::size_t(experts), 0.0f), mPending(std::size_t(experts), 0.0f) {}

  const RouterInfo& info() const override {
    static const RouterInfo i{"count-test", "top-1 against earlier load", {}, false,
                              [](const RouterSettings&, int) { return 1; }};
    return i;
  }
  void choose(const RouterInput& in, const std::vector<float>& p, RouterChoices& out) override {
    float total = 1.0f;
    for (float c : mCounts) total += c;
    if (in.training) std::fill(mPending.begin(), mPending.end(), 0.0f);
    for (int r = 0; r < in.rows; ++r) {
      const float* row = p.data() + std::size_t(r) * std::size_t(in.experts);
      int best = 0;
      float bestScore = -1e30f;
      for (int e = 0; e < in.experts; ++e) {
        const float score = row[e] - 0.5f * mCounts[std::size_t(e)] / total;
        if (score > bestScore) bestScore = score, best = e;
      }
      out.rows[std::size_t(r)].push_back({best, row[best]});
      if (in.training) mPending[std::size_t(best)] += 1.0f;
    }
  }
  std::vector<float> state() const override { return mCounts; }
  void setState(std::span<const float> s) override {
    requireStateSize(s, mCounts.size());
    if (std::any_of(s.begin(), s.end(), [](float v) { return !(v >= 0.0f); }))
      throw RouterStateError("router 'count-test' refuses a negative count");
    mCounts.assign(s.begin(), s.end());
  }
  void afterStep(std::uint64_t) override {
    for (std::size_t e = 0; e < mCounts.size(); ++e) mCounts[e] += mPending[e];
    std::fill(mPending.begin(), mPending.end(), 0.0f);
  }

 private:
  std::vector<float> mCounts, mPending;
};

constexpr const char* kStatePrefix = "router_state/";

TrainConfig countConfig() {
  TrainConfig c = testing::smallMoeConfig(16, 33);
  c.model.topK = 1;
  c.epochs = 3;
  return c;
}

/** A session whose router is a CountRouter. */
std::unique_ptr<Session> countSession(const TrainConfig& c,
                                      std::shared_ptr<const DataSplits> data) {
  auto s = makeSession(c, std::move(data));
  s->model().moe()->router().setPolicy(std::make_unique<CountRouter>(c.model.experts));
  return s;
}

std::vector<float> routerState(Session& s) { return s.model().moe()->router().policy().state(); }

std::vector<double> losses(Session& s, int steps) {
  std::vector<double> v;
  for (int i = 0; i < steps; ++i) v.push_back(s.trainStep().loss);
  return v;
}

}  // namespace

class TestRouterState : public QObject {
  Q_OBJECT

 private:
  std::shared_ptr<const DataSplits> mData;  ///< 1000 train rows, 500 test rows
  QTemporaryDir mDir;
  std::string path(const char* name) const { return (mDir.path() + "/" + name).toStdString(); }
  /** Rewrites `from` into `to` with its router-state tensors passed through `edit`. */
  void rewrite(const std::string& from, const std::string& to,
               const std::function<void(std::vector<CheckpointTensor>&)>& edit);
  /** What load() of `file` into a session says, checking the refused load changed nothing. */
  QString refusal(Session& s, const std::string& file);

 private Q_SLOTS:
  void initTestCase();
  void defaultsHaveNoState();
  void savedAndRestored();
  void fileWithoutRouterStateLoads();
  void statelessRouterFilesUnchanged();
  void refusesStateThatDoesNotFit();
};

void TestRouterState::initTestCase() {
  MOE_SKIP_WITHOUT_FASHION_MNIST();
  QVERIFY(mDir.isValid());
  mData = testing::smallFashionMnist();
}

void TestRouterState::rewrite(const std::string& from, const std::string& to,
                              const std::function<void(std::vector<CheckpointTensor>&)>& edit) {
  Checkpoint cp = readCheckpoint(from);
  cp.meta.erase("tensors");
  edit(cp.tensors);
  writeCheckpoint(to, cp);
}

QString TestRouterState::refusal(Session& s, const std::string& file) {
  const auto params = paramValues(s);
  const auto state = routerState(s);
  const long step = s.step();
  try {
    s.load(file);
  } catch (const CheckpointError& e) {
    if (s.step() != step || paramValues(s) != params || routerState(s) != state)
      return "session changed by a refused load";
    return QString::fromUtf8(e.what());
  }
  return {};
}

void TestRouterState::defaultsHaveNoState() {
  // The interface's defaults: no state, an empty state accepted, anything else refused.
  CountRouter counted(4);
  struct Stateless final : RouterPolicy {
    const RouterInfo& info() const override { return CountRouter(1).info(); }
    void choose(const RouterInput&, const std::vector<float>&, RouterChoices&) override {}
  } plain;
  QVERIFY(plain.state().empty());
  plain.setState({});
  const std::vector<float> two{1.0f, 2.0f};
  QVERIFY_THROWS_EXCEPTION(RouterStateError, plain.setState(two));
  QCOMPARE(counted.state().size(), std::size_t(4));
  try {
    counted.setState(two);
    QFAIL("a state of the wrong size was accepted");
  } catch (const RouterStateError& e) {
    QVERIFY2(QString(e.what()).contains("'count-test' keeps 4 state values"), e.what());
    QVERIFY2(QString(e.what()).contains("has 2"), e.what());
  }
}

void TestRouterState::savedAndRestored() {
  const TrainConfig c = countConfig();
  const std::string file = path("count.ckpt");
  auto a = countSession(c, mData);
  std::vector<double> first = losses(*a, 4);
  a->save(file);
  const auto saved = routerState(*a);
  QCOMPARE(saved.size(), std::size_t(4));
  float routed = 0.0f;
  for (float v : saved) routed += v;
  QCOMPARE(routed, 400.0f);  // 4 steps of 100 rows, one expert each (afterStep ran each step)
  const auto evalA = a->evaluate();
  QCOMPARE(routerState(*a), saved);  // evaluation does not move the state
  const std::vector<double> next = losses(*a, 6);

  // The file holds the state as one tensor after the parameters and optimizer state.
  const Checkpoint cp = readCheckpoint(file);
  QCOMPARE(cp.tensors.back().name, std::string(kStatePrefix) + "0");
  QCOMPARE(cp.tensors.back().data, saved);

  // A fresh session (other seed: other weights, data order, state) continues bit-identically.
  TrainConfig other = c;
  other.seed = 7;
  auto b = countSession(other, mData);
  losses(*b, 2);
  QVERIFY(routerState(*b) != saved);
  b->load(file);
  QCOMPARE(routerState(*b), saved);
  QCOMPARE(b->step(), 4L);
  QCOMPARE(b->evaluate()->loss, evalA->loss);
  QCOMPARE(losses(*b, 6), next);
  QCOMPARE(paramValues(*b), paramValues(*a));
  QCOMPARE(routerState(*b), routerState(*a));

  // Without its state the same checkpoint continues differently: the state matters.
  const std::string stripped = path("count-stripped.ckpt");
  rewrite(file, stripped, [](std::vector<CheckpointTensor>& t) {
    std::erase_if(t, [](const CheckpointTensor& x) { return x.name.starts_with(kStatePrefix); });
  });
  auto d = countSession(c, mData);
  d->load(stripped);
  QVERIFY(losses(*d, 6) != next);
}

void TestRouterState::fileWithoutRouterStateLoads() {
  // A file as written before router state existed (no router_state tensor) loads; the router
  // keeps the state it was built with.
  const TrainConfig c = countConfig();
  auto a = countSession(c, mData);
  losses(*a, 3);
  a->save(path("count3.ckpt"));
  const std::string old = path("old-format.ckpt");
  rewrite(path("count3.ckpt"), old, [](std::vector<CheckpointTensor>& t) {
    std::erase_if(t, [](const CheckpointTensor& x) { return x.name.starts_with(kStatePrefix); });
  });
  auto b = countSession(c, mData);
  b->load(old);
  QCOMPARE(b->step(), 3L);
  QCOMPARE(paramValues(*b), paramValues(*a));
  QCOMPARE(routerState(*b), std::vector<float>(4, 0.0f));
}

void TestRouterState::statelessRouterFilesUnchanged() {
  // Registered routers keep no state: their files hold only parameters and optimizer state
  // (as before router state existed), and save -> load -> save gives the same bytes.
  TrainConfig c = testing::smallMoeConfig(16, 5);
  auto a = makeSession(c, mData);
  losses(*a, 2);
  a->save(path("topk.ckpt"));
  const Checkpoint cp = readCheckpoint(path("topk.ckpt"));
  std::vector<std::string> names;
  for (Parameter* p : a->model().parameters()) names.push_back(p->name);
  for (const CheckpointTensor& t : cp.tensors) {
    QVERIFY2(!t.name.starts_with(kStatePrefix), t.name.c_str());
  }
  QVERIFY(cp.tensors.size() > names.size());  // parameters then the optimizer's moments
  for (std::size_t i = 0; i < names.size(); ++i) QCOMPARE(cp.tensors[i].name, names[i]);
  auto b = makeSession(c, mData);
  b->load(path("topk.ckpt"));
  b->save(path("topk-again.ckpt"));
  QFile f1(QString::fromStdString(path("topk.ckpt")));
  QFile f2(QString::fromStdString(path("topk-again.ckpt")));
  QVERIFY(f1.open(QIODevice::ReadOnly) && f2.open(QIODevice::ReadOnly));
  QVERIFY(f1.readAll() == f2.readAll());
}

void TestRouterState::refusesStateThatDoesNotFit() {
  const TrainConfig c = countConfig();
  auto a = countSession(c, mData);
  losses(*a, 2);
  a->save(path("count2.ckpt"));
  auto target = countSession(c, mData);
  losses(*target, 1);

  // One value too many.
  rewrite(path("count2.ckpt"), path("long.ckpt"), [](std::vector<CheckpointTensor>& t) {
    t.back().data.push_back(1.0f);
    t.back().cols += 1;
  });
  QString error = refusal(*target, path("long.ckpt"));
  qInfo("%s", qPrintable(error));
  QVERIFY2(error.contains("router 'count-test' keeps 4"), qPrintable(error));
  QVERIFY2(error.contains("has 5 values"), qPrintable(error));
  QVERIFY2(error.contains("long.ckpt"), qPrintable(error));

  // Values the router itself refuses (setState throws): still nothing changes.
  rewrite(path("count2.ckpt"), path("negative.ckpt"), [](std::vector<CheckpointTensor>& t) {
    t.back().data[1] = -3.0f;
  });
  error = refusal(*target, path("negative.ckpt"));
  qInfo("%s", qPrintable(error));
  QVERIFY2(error.contains("refuses a negative count"), qPrintable(error));
  QVERIFY2(error.contains("negative.ckpt"), qPrintable(error));

  // State for a layer the model does not have.
  rewrite(path("count2.ckpt"), path("layer3.ckpt"), [](std::vector<CheckpointTensor>& t) {
    t.back().name = std::string(kStatePrefix) + "3";
  });
  error = refusal(*target, path("layer3.ckpt"));
  qInfo("%s", qPrintable(error));
  QVERIFY2(error.contains("router_state/3") && error.contains("1 MoE layer"), qPrintable(error));

  // A stateful router's file into a session whose router keeps no state (topk).
  auto plain = makeSession(c, mData);
  losses(*plain, 1);
  error = refusal(*plain, path("count2.ckpt"));
  qInfo("%s", qPrintable(error));
  QVERIFY2(error.contains("router 'topk' keeps 0"), qPrintable(error));

  // After all that, the right file still loads.
  target->load(path("count2.ckpt"));
  QCOMPARE(routerState(*target), routerState(*a));
}

QTEST_GUILESS_MAIN(TestRouterState)
#include "test_router_state.moc"
