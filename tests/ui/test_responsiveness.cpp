// The responsiveness benchmark on a small subset: it trains in rounds (reference, then the
// window), measures the event loop's lateness and reports both throughputs.
#include <QJsonArray>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

#include "ui/mainwindow.h"
#include "ui/responsivenessbenchmark.h"
#include "ui/sessioncontroller.h"

using namespace moe;

class ResponsivenessTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void measuresWindowAndReference() {
    ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    ui::ResponsivenessBenchmark bench(&window, 1.5);
    QSignalSpy done(&bench, &ui::ResponsivenessBenchmark::finished);
    bench.start();
    core::TrainConfig config;
    config.maxTrain = 2048;
    config.epochs = 1000;
    config.threads = 1;
    window.start(config);
    QVERIFY(done.wait(120000));
    const QJsonObject r = bench.result();
    QVERIFY2(!r.contains(QStringLiteral("error")), qPrintable(r.value(QStringLiteral("error")).toString()));
    QCOMPARE(r.value(QStringLiteral("rounds")).toInt(), 3);
    QCOMPARE(r.value(QStringLiteral("window_rounds_samples_per_s")).toArray().size(), 3);
    QCOMPARE(r.value(QStringLiteral("headless_rounds_samples_per_s")).toArray().size(), 3);
    // About 1.5 s of window training at a 10 ms tick: lateness was sampled all along.
    QVERIFY(r.value(QStringLiteral("lateness_samples")).toInt() > 50);
    QVERIFY(r.value(QStringLiteral("lateness_p99_ms")).toDouble() >= 0.0);
    QVERIFY(r.value(QStringLiteral("window_samples_per_s")).toDouble() > 0.0);
    QVERIFY(r.value(QStringLiteral("headless_samples_per_s")).toDouble() > 0.0);
    QVERIFY(r.value(QStringLiteral("throughput_ratio")).toDouble() > 0.0);
    QVERIFY(r.value(QStringLiteral("steps")).toDouble() > 0.0);
    QVERIFY(r.value(QStringLiteral("launch_to_ready_s")).toDouble() > 0.0);
    // The trainer was left paused, its history intact.
    QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(), core::TrainerState::Paused, 10000);
    QVERIFY(!window.controller()->history().steps().empty());
  }
};

QTEST_MAIN(ResponsivenessTest)
#include "test_responsiveness.moc"
