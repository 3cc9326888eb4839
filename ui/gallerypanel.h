#pragma once
#include <memory>

#include <QWidget>

#include "core/train/metrics.h"

class QLabel;
class QVBoxLayout;

namespace moe::ui {

class SessionController;

/**
 * One row per expert: the test inputs it is most confident about (gate probability), the mix
 * of classes it receives and its accuracy on them, from the latest evaluation.
 */
class GalleryPanel : public QWidget {
  Q_OBJECT

 public:
  explicit GalleryPanel(SessionController* controller, QWidget* parent = nullptr);

  int expertRows() const { return mRows; }
  /** The header line, which names the evaluation shown (for tests). */
  QString headerText() const;

 Q_SIGNALS:
  /** The user clicked a thumbnail: inspect this test row. */
  void inputActivated(int testIndex);

 protected:
  void showEvent(QShowEvent* event) override;
  /** A new font (presentation mode): the rows' title column is sized from it, so rebuild. */
  void changeEvent(QEvent* event) override;

 private:
  void rebuild();

  SessionController* mController;
  QLabel* mHeader;
  QWidget* mContent;
  QVBoxLayout* mLayout = nullptr;
  std::shared_ptr<const core::EvalReport> mShown;
  int mRows = 0;
  static constexpr int kPerExpert = 12;
};

}  // namespace moe::ui
