// createBackend's fallback: with no OpenCL platform at all, asking for OpenCL gives a working
// CPU backend and a message that names the problem, never a crash; bad specs still throw.
#include <QtTest>

#include <QTemporaryDir>
#include <vector>

#include "compute/backend_factory.h"

using namespace moe::compute;

class TestOpenClFallback : public QObject {
  Q_OBJECT

  QTemporaryDir mNoVendors;  // an empty ICD vendor directory: the loader finds no platform

 private Q_SLOTS:
  void initTestCase() {
    // Must happen before the first OpenCL call of this process: the ICD loader reads its
    // vendor list once. Nothing in this test touches OpenCL earlier.
    QVERIFY(mNoVendors.isValid());
    qputenv("OCL_ICD_VENDORS", mNoVendors.path().toLocal8Bit());
    qunsetenv("OCL_ICD_FILENAMES");
    qunsetenv("OPENCL_VENDOR_PATH");
  }

  void noPlatformIsListed() { QVERIFY(listOpenClDevices().empty()); }

  void fallsBackToCpu_data() {
    QTest::addColumn<QString>("spec");
    QTest::newRow("first device") << "opencl";
    QTest::newRow("explicit device") << "opencl:0:0";
    QTest::newRow("platform only") << "opencl:2";
  }
  void fallsBackToCpu() {
    QFETCH(QString, spec);
    BackendChoice choice = createBackend(spec.toStdString(), 2);
    QVERIFY(choice.backend != nullptr);
    QVERIFY(choice.fellBack);
    QCOMPARE(QString::fromStdString(choice.backend->name()), QString("cpu"));
#ifdef MOE_HAVE_OPENCL
    QVERIFY2(QString::fromStdString(choice.message).contains("no OpenCL platform"),
             choice.message.c_str());
#else
    QVERIFY2(QString::fromStdString(choice.message).contains("no OpenCL support"),
             choice.message.c_str());
#endif
    // The CPU backend it returns works.
    Backend& be = *choice.backend;
    Tensor a = be.alloc(2, 3), b = be.alloc(3, 2), c = be.alloc(2, 2);
    const std::vector<float> av{1, 2, 3, 4, 5, 6}, bv{1, 0, 0, 1, 1, 1};
    be.write(a, std::span<const float>(av));
    be.write(b, std::span<const float>(bv));
    be.gemm(false, false, 1.0f, a, b, 0.0f, c);
    QCOMPARE(toHost(be, c), (std::vector<float>{4, 5, 10, 11}));
  }

  void cpuNeedsNoFallback() {
    BackendChoice choice = createBackend("cpu", 1);
    QVERIFY(!choice.fellBack);
    QVERIFY(choice.message.empty());
  }

  void invalidSpecThrows_data() {
    QTest::addColumn<QString>("spec");
    QTest::newRow("non-numeric platform") << "opencl:x";
    QTest::newRow("non-numeric device") << "opencl:0:y";
    QTest::newRow("trailing junk") << "opencl:0:1z";
    QTest::newRow("negative index") << "opencl:-1:0";
    QTest::newRow("unknown backend") << "cuda";
  }
  void invalidSpecThrows() {
    QFETCH(QString, spec);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, createBackend(spec.toStdString(), 1));
  }
};

QTEST_GUILESS_MAIN(TestOpenClFallback)
#include "test_opencl_fallback.moc"
