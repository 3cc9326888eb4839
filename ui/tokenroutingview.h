#pragma once
#include <vector>

#include <QColor>
#include <QString>
#include <QWidget>

#include "core/train/inspection.h"

class QLabel;
class QTextEdit;

namespace moe::ui {

/**
 * A text with every character coloured by the expert its tokens went to (the Mixtral paper's
 * figure, for character n-grams): the n-grams covering a character vote with their gate
 * weights, the winner's colour is the background and its share of the vote the opacity.
 * Hovering a character lists the n-grams covering it with their experts and gates. A legend
 * above gives each expert's colour and its share of the first choices.
 */
class TokenRoutingView : public QWidget {
  Q_OBJECT

 public:
  explicit TokenRoutingView(QWidget* parent = nullptr);

  /** Shows the routing of in.text (in.tokens) over `experts` experts. */
  void setRouting(const core::Inspection& in, int experts);
  void clear();

  int tokenCount() const { return int(mTokens.size()); }
  QString text() const { return mText; }
  /** Per UTF-16 position of text(): the winning expert (-1 for characters no token covers). */
  int characterExpert(int index) const;
  /** The background the character is painted with (invalid when uncoloured). */
  QColor characterColor(int index) const;
  /** Per expert: share of the tokens whose first choice it is. */
  const std::vector<double>& firstChoiceShare() const { return mShare; }
  /** The hover text for one character. */
  QString toolTipFor(int index) const;
  /** The colour of an expert in this view and its legend. */
  static QColor expertColor(int expert);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  struct Token {
    int begin = 0;  // UTF-16 positions in mText
    int end = 0;
    std::vector<int> experts;
    std::vector<float> gates;
  };
  void render();

  QLabel* mLegend;
  QTextEdit* mView;
  QString mText;
  std::vector<Token> mTokens;
  std::vector<int> mCharExpert;
  std::vector<double> mCharStrength;
  std::vector<double> mShare;
  int mExperts = 0;
};

}  // namespace moe::ui
