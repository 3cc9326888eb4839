#pragma once
#include <QWidget>

class QLabel;

namespace moe::ui {

class HmeTreeView;
class SessionController;

/**
 * The "Gating tree" tab: the hierarchical mixture's tree (HmeTreeView) with each node's share of
 * the latest training batch, redrawn live as the trainer publishes steps, and a line under it
 * with the test split's shares at the last evaluation. Other models show how to get a tree.
 */
class HmeTreePanel : public QWidget {
  Q_OBJECT

 public:
  explicit HmeTreePanel(SessionController* controller, QWidget* parent = nullptr);
  HmeTreeView* view() const { return mView; }

 private:
  void rebuild();
  void refresh();

  SessionController* mController;
  HmeTreeView* mView;
  QLabel* mTest;
  long mShownStep = -1;
};

}  // namespace moe::ui
