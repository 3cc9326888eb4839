#pragma once
#include <future>
#include <vector>

#include <QTimer>
#include <QWidget>

#include "core/analysis/ablation.h"

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace moe::ui {

class SessionController;

/**
 * The inspector's "with each expert removed": for the input on display, the class the model
 * predicts and the probability of the true class when each expert is removed (next choice or
 * renormalised), computed on the trainer's thread (core::ablateInput) when asked.
 */
class AblatedInputView : public QWidget {
  Q_OBJECT

 public:
  explicit AblatedInputView(SessionController* controller, QWidget* parent = nullptr);
  ~AblatedInputView() override;

  /** The input on display (-1: none); clears what was shown for another. */
  void setInput(int testIndex, int label);
  /** Computes the table for the current input. */
  void compute();
  QTableWidget* table() const { return mTable; }
  QPushButton* button() const { return mRun; }

 Q_SIGNALS:
  void computed();

 private:
  void poll();
  QString className(int c) const;

  SessionController* mController;
  QPushButton* mRun;
  QComboBox* mMode;
  QLabel* mNote;
  QTableWidget* mTable;
  QTimer mTimer;
  int mIndex = -1, mLabel = -1, mPendingIndex = -1;
  std::future<void> mFuture;
  std::vector<core::AblatedInput> mResult;
};

}  // namespace moe::ui
