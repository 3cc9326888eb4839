// The evaluations kept for the window's time slider (core/train/eval_archive.h): bounded in
// memory, spread over the run, the first and the latest always there, without routing history.
#include <QtTest>

#include "core/routing/routing_history.h"
#include "core/train/eval_archive.h"

using namespace moe::core;

namespace {

std::shared_ptr<const EvalReport> report(long step, std::size_t rows = 1000) {
  auto r = std::make_shared<EvalReport>();
  r->step = step;
  r->experts = 4;
  r->gateProbs.assign(rows * 4, 0.25f);
  r->labels.assign(rows, 1);
  r->routingHistory = std::make_shared<RoutingHistory>();
  return r;
}

}  // namespace

class EvalArchiveTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void keepsEveryEvaluationWithinBudget() {
    EvalArchive archive;
    for (long s = 100; s <= 1000; s += 100) archive.add(report(s));
    archive.add(nullptr);
    QCOMPARE(archive.size(), std::size_t(10));
    QCOMPARE(archive.at(3)->step, 400L);
    QVERIFY(!archive.at(3)->routingHistory);  // the copies leave the routing history out
    QCOMPARE(archive.at(3)->gateProbs.size(), std::size_t(4000));
    QCOMPARE(archive.atStep(450)->step, 400L);
    QVERIFY(!archive.atStep(50));
    archive.add(report(1000, 10));  // the same step again (a loaded checkpoint): replaced
    QCOMPARE(archive.size(), std::size_t(10));
    QCOMPARE(archive.at(9)->gateProbs.size(), std::size_t(40));
    archive.clear();
    QVERIFY(archive.empty());
    QCOMPARE(archive.bytes(), std::size_t(0));
  }

  void thinsTheOlderOnesOverBudget() {
    const std::size_t one = EvalArchive::bytesOf(*report(1));
    EvalArchive archive(one * 20);
    for (long s = 1; s <= 500; ++s) {
      archive.add(report(s));
      QVERIFY(archive.bytes() <= archive.budget());
    }
    QVERIFY(archive.size() >= 10 && archive.size() <= 20);
    QCOMPARE(archive.at(0)->step, 1L);                    // the first stays
    QCOMPARE(archive.at(archive.size() - 1)->step, 500L);  // and the latest
    for (std::size_t i = 1; i < archive.size(); ++i) QVERIFY(archive.at(i)->step > archive.at(i - 1)->step);
    // Spread over the run: no gap wider than half of it.
    for (std::size_t i = 1; i < archive.size(); ++i) QVERIFY(archive.at(i)->step - archive.at(i - 1)->step <= 250);
    std::size_t sum = 0;
    for (std::size_t i = 0; i < archive.size(); ++i) sum += EvalArchive::bytesOf(*archive.at(i));
    QCOMPARE(archive.bytes(), sum);
  }
};

QTEST_MAIN(EvalArchiveTest)
#include "test_eval_archive.moc"
