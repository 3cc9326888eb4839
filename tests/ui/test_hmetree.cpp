// The hierarchical mixture in the window: the tree view draws each node's share (a bar as wide
// as the share, in the expert's colour), ignores numbers of another tree, and, in the real
// window on an hme session, redraws live from the trainer's steps; the setup panel shows the
// tree's settings for hme only and disables the MoE layer's.
#include <QComboBox>
#include <QGroupBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QtTest>

#include "tests/core/dataset_skips.h"
#include "tests/ui/window_fixture.h"
#include "ui/hmetreepanel.h"
#include "ui/hmetreeview.h"
#include "ui/mainwindow.h"
#include "ui/sessioncontroller.h"
#include "ui/setuppanel.h"

using namespace moe;

class HmeTreeTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;

  // The colour a little inside the left end of node n's box (where its share's bar starts) and
  // at 80% of its width (covered only by a share above 0.8).
  static QColor at(const QImage& img, const ui::HmeTreeView& v, int node, double along) {
    const QRectF r = v.nodeBox(node);
    return img.pixelColor(QPoint(int(r.left() + r.width() * along), int(r.bottom() - 5)));
  }

 private Q_SLOTS:
  void viewDrawsShares() {
    ui::HmeTreeView view;
    view.resize(900, 600);
    view.setTree(2, 2);
    QCOMPARE(view.nodes(), 7);
    view.setShares({1.0f, 0.5f}, QStringLiteral("wrong tree"));  // refused: 2 values, 7 nodes
    QVERIFY(view.shares().empty());
    view.setShares({1.0f, 0.9f, 0.1f, 0.85f, 0.05f, 0.05f, 0.05f}, QStringLiteral("batch at step 3"));
    QCOMPARE(view.caption(), QStringLiteral("batch at step 3"));
    const QImage img = view.grab().toImage();
    // Leaf 3 (85%) is filled at 80% of its box, leaf 4 (5%) is not; the root is full.
    QVERIFY(at(img, view, 3, 0.8) != QColor(Qt::white));
    QCOMPARE(at(img, view, 4, 0.8), QColor(Qt::white));
    QVERIFY(at(img, view, 0, 0.9) != QColor(Qt::white));
    view.setTree(0, 2);
    QCOMPARE(view.nodes(), 0);
  }

  void windowDrawsTheTreeLive() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    core::TrainConfig config = moe::testing::longRunConfig();
    config.model.kind = core::ModelKind::Hme;
    config.model.depth = 2;
    config.model.branching = 3;
    config.model.expertHidden = 0;
    config.optim.lr = 0.01;
    QVERIFY(moe::testing::openWindow(mWindow, config));
    auto* panel = mWindow->findChild<ui::HmeTreePanel*>();
    QVERIFY(panel);
    mWindow->tabs()->setCurrentWidget(panel);
    QCOMPARE(panel->view()->nodes(), 13);
    mWindow->controller()->play();
    QTRY_VERIFY_WITH_TIMEOUT(panel->view()->shares().size() == 13, 60000);
    const QString first = panel->view()->caption();
    QVERIFY(first.contains(QStringLiteral("step")));
    QCOMPARE(panel->view()->shares()[0], 1.0f);
    // Live: a later step replaces the numbers and says which step they are.
    QTRY_VERIFY_WITH_TIMEOUT(panel->view()->caption() != first, 60000);
    double leaves = 0.0;
    for (int n = 4; n < 13; ++n) leaves += panel->view()->shares()[std::size_t(n)];
    QVERIFY(std::abs(leaves - 1.0) < 1e-4);
    // Setup shows the tree's settings and disables what only an MoE layer reads.
    auto* box = mWindow->findChild<QGroupBox*>(QStringLiteral("hmeOptions"));
    QVERIFY(box && box->isVisible() && box->isEnabled());
    QCOMPARE(mWindow->findChild<QSpinBox*>(QStringLiteral("hmeBranching"))->value(), 3);
    QVERIFY(!mWindow->findChild<QSpinBox*>(QStringLiteral("experts"))->isEnabled());
    // Another model: the box goes, the tree tab says how to get a tree.
    auto* model = mWindow->findChild<QComboBox*>(QStringLiteral("modelPreset"));
    model->setCurrentIndex(model->findData(int(core::ModelKind::MoeClassifier)));
    QVERIFY(!box->isVisible());
    QVERIFY(mWindow->findChild<QSpinBox*>(QStringLiteral("experts"))->isEnabled());
  }

  void cleanupTestCase() { delete mWindow; }
};

QTEST_MAIN(HmeTreeTest)
#include "test_hmetree.moc"
