;;; A Common Lisp workload for spangc's libgc.so.1, run by ECL
;;; (tests/run_real_programs.sh): allocates heavily (lists, trees,
;;; vectors, strings, hash tables, a weak table, bignums, closures),
;;; collects, and checks every result.  Prints "lisp workload: ok" and
;;; exits 0 when all hold.
(defvar *failures* 0)
(defun check (name ok)
  (unless ok
    (incf *failures*)
    (format t "FAILED: ~a~%" name)))

(defun full-gc () (ext:gc t))

;; Lists: most of them garbage.
(defvar *kept* nil)
(dotimes (round 1000)
  (let ((l (loop for i from round below (+ round 10000) collect i)))
    (check "list sum" (= (reduce #'+ l) (+ (* 10000 round) (/ (* 9999 10000) 2))))
    (when (zerop (mod round 100))
      (push l *kept*))))
(full-gc)
(check "kept lists" (= (length *kept*) 10))
(check "kept contents" (every (lambda (l) (= (length l) 10000)) *kept*))

;; Binary trees.
(defun make-tree (depth)
  (if (zerop depth) (cons nil nil)
      (cons (make-tree (1- depth)) (make-tree (1- depth)))))
(defun count-tree (tr)
  (if (car tr) (+ 1 (count-tree (car tr)) (count-tree (cdr tr))) 1))
(defvar *long-lived* (make-tree 16))
(dotimes (i 40)
  (check "tree" (= (count-tree (make-tree 12)) 8191)))
(check "long-lived tree" (= (count-tree *long-lived*) 131071))

;; Vectors and strings.
(defvar *vecs* (loop for i below 200 collect (make-array 1000 :initial-element i)))
(defvar *strs* (loop for i below 5000
                     collect (concatenate 'string "s" (princ-to-string i)
                                          (make-string 100 :initial-element #\x))))
(full-gc)
(check "vectors" (loop for v in *vecs* for i from 0 always (= (aref v 999) i)))
(check "strings" (string= (nth 4321 *strs*)
                          (concatenate 'string "s4321"
                                       (make-string 100 :initial-element #\x))))

;; Closures.
(defvar *adders* (loop for i below 10000 collect (let ((i i)) (lambda (x) (+ x i)))))
(full-gc)
(check "closures" (= (funcall (nth 7777 *adders*) 1) 7778))

;; Hash tables.
(defvar *table* (make-hash-table))
(dotimes (i 100000)
  (setf (gethash i *table*) (princ-to-string i)))
(full-gc)
(check "hash table" (and (string= (gethash 99999 *table*) "99999")
                         (= (hash-table-count *table*) 100000)))

;; A weak-key table: live keys stay.
(defvar *weak* (make-hash-table :test 'eq :weakness :key))
(defvar *live-keys* (loop for i below 100 collect (list i)))
(dolist (k *live-keys*) (setf (gethash k *weak*) (car k)))
(dotimes (i 10000) (setf (gethash (list i) *weak*) i))
(full-gc) (full-gc) (full-gc)
(check "weak table keeps live keys"
       (every (lambda (k) (eql (gethash k *weak*) (car k))) *live-keys*))

;; Bignums.
(defun fact (n) (if (zerop n) 1 (* n (fact (1- n)))))
(check "bignum digits" (= (length (princ-to-string (fact 1000))) 2568))

(if (zerop *failures*)
    (progn (format t "lisp workload: ok~%") (ext:quit 0))
    (ext:quit 1))
