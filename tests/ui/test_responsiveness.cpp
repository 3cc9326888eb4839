// The responsiveness benchmark on a small subset: it trains in rounds (reference, then the
// window), measures the event loop's lateness and reports both throughputs.
#include <QJsonArray>
#include <QJsonValue>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

#include <cmath>

#include "ui/mainwindow.h"
#include "ui/responsivenessbenchmark.h"
#include "ui/sessioncontroller.h"
#include "tests/core/dataset_skips.h"

using namespace moe;

class ResponsivenessTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();  // the benchmark trains the reference task
    QStandardPaths::setTestModeEnabled(true);
  }

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
    const auto number = [&r](const char* key) { return r.value(QLatin1String(key)).toDouble(-1.0); };
    const auto positiveRates = [](const QJsonArray& a) {
      for (const QJsonValue& v : a)
        if (!std::isfinite(v.toDouble()) || v.toDouble() <= 0.0) return false;
      return true;
    };
    QCOMPARE(r.value(QStringLiteral("rounds")).toInt(), 3);
    const QJsonArray windowRounds = r.value(QStringLiteral("window_rounds_samples_per_s")).toArray();
    const QJsonArray headlessRounds = r.value(QStringLiteral("headless_rounds_samples_per_s")).toArray();
    QCOMPARE(windowRounds.size(), 3);
    QCOMPARE(headlessRounds.size(), 3);
    QVERIFY2(positiveRates(windowRounds), "a window round trained nothing");
    QVERIFY2(positiveRates(headlessRounds), "a headless round trained nothing");

    // About 1.5 s of window time at a 10 ms tick: lateness was sampled all along, and a timer
    // cannot fire more often than its interval allows.
    const double seconds = number("seconds");
    QVERIFY2(seconds >= 1.4 && seconds < 30.0, qPrintable(QString::number(seconds)));
    const int samples = r.value(QStringLiteral("lateness_samples")).toInt();
    QVERIFY2(samples > 50, qPrintable(QString::number(samples)));
    QVERIFY2(samples <= int(seconds / 0.010) + 3, qPrintable(QString::number(samples)));
    const double p50 = number("lateness_p50_ms"), p99 = number("lateness_p99_ms"),
                 max = number("lateness_max_ms");
    QVERIFY(std::isfinite(max));
    QVERIFY2(0.0 <= p50 && p50 <= p99 && p99 <= max, qPrintable(QStringLiteral("%1 %2 %3").arg(p50).arg(p99).arg(max)));
    QVERIFY2(max <= seconds * 1000.0, "a tick was later than the whole measurement");
    const double cpuShare = number("ui_thread_cpu_share");
    QVERIFY2(cpuShare >= 0.0 && cpuShare <= 1.5, qPrintable(QString::number(cpuShare)));

    // Throughputs: finite, positive and consistent with each other and with the steps trained.
    const double windowRate = number("window_samples_per_s"), headless = number("headless_samples_per_s");
    QVERIFY(std::isfinite(windowRate) && windowRate > 0.0);
    QVERIFY(std::isfinite(headless) && headless > 0.0);
    QVERIFY(std::abs(number("throughput_ratio") - windowRate / headless) <= 1e-9 * (windowRate / headless));
    const double steps = number("steps");
    QVERIFY(steps > 0.0);
    // 2048 rows in batches of 128: every step trains a full batch.
    const double trained = windowRate * number("window_train_seconds");
    QVERIFY2(std::abs(trained - steps * 128.0) < 1e-6 * steps * 128.0,
             qPrintable(QStringLiteral("%1 samples for %2 steps").arg(trained).arg(steps)));
    QCOMPARE(r.value(QStringLiteral("batch_size")).toInt(), 128);
    QCOMPARE(r.value(QStringLiteral("train_rows")).toInt(), 2048);
    QVERIFY(number("launch_to_ready_s") > 0.0);
    QVERIFY(number("build_s") > 0.0 && number("build_s") <= number("launch_to_ready_s") + 1.0);
    // The trainer was left paused, its history intact.
    QTRY_COMPARE_WITH_TIMEOUT(window.controller()->state(), core::TrainerState::Paused, 10000);
    QVERIFY(!window.controller()->history().steps().empty());
  }
};

QTEST_MAIN(ResponsivenessTest)
#include "test_responsiveness.moc"
