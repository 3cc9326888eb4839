// The keyboard a teacher uses: Space is Play/Pause with a spin box or drop-down focused, and
// once Play is unavailable Space says why instead of opening the focused drop-down.
#include <QAbstractItemView>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

#include "tests/ui/window_fixture.h"
#include "tests/core/dataset_skips.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/sessioncontroller.h"
#include "ui/setuppanel.h"

using namespace moe;

class KeyboardTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  ui::SessionController* c() const { return mWindow->controller(); }

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QStandardPaths::setTestModeEnabled(true);
    core::TrainConfig config = moe::testing::longRunConfig();
    QVERIFY(moe::testing::openWindow(mWindow, config));
  }
  void cleanupTestCase() { delete mWindow; }

  void spaceInASpinBoxPlaysAndPauses() {
    QDoubleSpinBox* lr = mWindow->setupPanel()->learningRateBox();
    const double before = lr->value();
    lr->setFocus();
    QTRY_VERIFY(lr->hasFocus());
    QTest::keyClick(lr, Qt::Key_Space);
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Running, 10000);
    QTest::keyClick(lr, Qt::Key_Space);
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Paused, 20000);
    QCOMPARE(lr->value(), before);  // the key did not edit the value
  }

  void spaceWithoutPlaySaysWhyAndOpensNothing() {
    c()->stop();
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Stopped, 20000);
    auto* combo = mWindow->setupPanel()->findChild<QComboBox*>();
    QVERIFY(combo);
    combo->setFocus();
    QTRY_VERIFY(combo->hasFocus());
    QTest::keyClick(combo, Qt::Key_Space);
    QTest::qWait(200);
    QVERIFY2(!combo->view()->isVisible(), "Space opened the drop-down");
    QVERIFY2(mWindow->banner()->text().contains(QStringLiteral("Reset")), qPrintable(mWindow->banner()->text()));
  }
};

QTEST_MAIN(KeyboardTest)
#include "test_keyboard.moc"
