-- Operation kinds are declared by the operation definitions in code: the column keeps
-- its values as text (no row is rewritten to anything else) and the enum goes.
ALTER TABLE "Operation" ALTER COLUMN "kind" TYPE TEXT USING "kind"::text;

-- DropEnum
DROP TYPE "OperationKind";
