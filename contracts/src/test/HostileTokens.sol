// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title HostileTokens
/// @notice For test/contracts (hostile*.test.ts): ERC-20s that misbehave the ways real tokens
///         do, so the tests can check that the portal, the registry and the bridges refuse them
///         with named errors and move nothing. Every token shares {HostileTokenBase}: plain
///         balances and allowances, a free `mint` for the test, and hooks the variants override.

/// @notice A minimal ERC-20 (no OpenZeppelin, so each variant can break one rule at a time).
abstract contract HostileTokenBase {
    mapping(address => uint256) internal _balances;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;

    error InsufficientBalance(address from, uint256 balance, uint256 amount);
    error InsufficientAllowance(address spender, uint256 allowance, uint256 amount);

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function name() external view virtual returns (string memory) {
        return "Hostile";
    }

    function symbol() external view virtual returns (string memory) {
        return "HOST";
    }

    function decimals() external view virtual returns (uint8) {
        return 18;
    }

    function balanceOf(address account) public view virtual returns (uint256) {
        return _balances[account];
    }

    function mint(address to, uint256 amount) external {
        _balances[to] += amount;
        totalSupply += amount;
        emit Transfer(address(0), to, amount);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function _spendAllowance(address from, uint256 amount) internal {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) revert InsufficientAllowance(msg.sender, allowed, amount);
        allowance[from][msg.sender] = allowed - amount;
    }

    function _move(address from, address to, uint256 amount) internal virtual {
        uint256 balance = _balances[from];
        if (balance < amount) revert InsufficientBalance(from, balance, amount);
        _balances[from] = balance - amount;
        _balances[to] += amount;
        emit Transfer(from, to, amount);
    }
}

/// @notice USDT-style: `transfer`/`transferFrom` return nothing (SafeERC20 must accept it).
contract NoReturnToken is HostileTokenBase {
    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        _spendAllowance(from, amount);
        _move(from, to, amount);
    }
}

/// @notice Returns false (moving nothing) instead of reverting, once `failing` is set.
contract FalseReturnToken is HostileTokenBase {
    bool public failing;

    function setFailing(bool failing_) external {
        failing = failing_;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        if (failing) return false;
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (failing) return false;
        _spendAllowance(from, amount);
        _move(from, to, amount);
        return true;
    }
}

/// @notice Reverts every transfer with {TransferRefused} once `refusing` is set (a paused or
///         blocklisting token).
contract RevertingToken is HostileTokenBase {
    bool public refusing;

    error TransferRefused(address from, address to, uint256 amount);

    function setRefusing(bool refusing_) external {
        refusing = refusing_;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        if (refusing) revert TransferRefused(msg.sender, to, amount);
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (refusing) revert TransferRefused(from, to, amount);
        _spendAllowance(from, amount);
        _move(from, to, amount);
        return true;
    }
}

/// @notice Balances are shares times an index (stETH/AMPL-style): a rebase changes every
///         balance, including the portal's, without a transfer. `shrinkOnTransferFrom` makes
///         the next `transferFrom` apply a negative rebase in the middle of a deposit, so the
///         recipient's balance goes down although tokens arrived.
contract RebasingToken is HostileTokenBase {
    uint256 public index = 1e18;
    uint256 public shrinkOnTransferFrom;

    function rebase(uint256 newIndex) external {
        index = newIndex;
    }

    function setShrinkOnTransferFrom(uint256 newIndex) external {
        shrinkOnTransferFrom = newIndex;
    }

    function balanceOf(address account) public view override returns (uint256) {
        return _balances[account] * index / 1e18;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount * 1e18 / index);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _spendAllowance(from, amount);
        _move(from, to, amount * 1e18 / index);
        if (shrinkOnTransferFrom != 0) {
            index = shrinkOnTransferFrom;
            shrinkOnTransferFrom = 0;
        }
        return true;
    }
}

/// @notice Calls `hookTarget` with `hookData` from inside `transfer`/`transferFrom` (an ERC-777
///         style callback), and bubbles up the hook's revert, so a test sees what the re-entered
///         contract answered.
contract ReentrantToken is HostileTokenBase {
    address public hookTarget;
    bytes public hookData;

    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        _hook();
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _spendAllowance(from, amount);
        _move(from, to, amount);
        _hook();
        return true;
    }

    function _hook() private {
        address target = hookTarget;
        if (target == address(0)) return;
        (bool ok, bytes memory ret) = target.call(hookData);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

/// @notice A well-behaved token with hostile metadata, chosen by `mode`:
///         1 huge name/symbol (`size` bytes), 2 name/symbol/decimals revert, 3 decimals out of
///         range (`size`), 4 name/symbol/decimals burn all gas, 5 malformed ABI strings (bad
///         offset, a length past the data), 6 bytes32 name/symbol (old tokens).
contract MetadataToken is HostileTokenBase {
    uint256 public mode;
    uint256 public size;

    error NoMetadata();

    function setMode(uint256 mode_, uint256 size_) external {
        mode = mode_;
        size = size_;
    }

    function name() external view override returns (string memory) {
        return _text("N");
    }

    function symbol() external view override returns (string memory) {
        return _text("S");
    }

    function decimals() external view override returns (uint8) {
        uint256 m = mode;
        if (m == 2) revert NoMetadata();
        if (m == 3) {
            uint256 value = size;
            assembly ("memory-safe") {
                mstore(0, value)
                return(0, 0x20)
            }
        }
        if (m == 4) _burnAllGas();
        return 18;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        _spendAllowance(from, amount);
        _move(from, to, amount);
        return true;
    }

    function _text(string memory fill) private view returns (string memory out) {
        uint256 m = mode;
        if (m == 2) revert NoMetadata();
        if (m == 4) _burnAllGas();
        if (m == 5) {
            // offset 0x40 (not 0x20), then a length far beyond the returned bytes
            assembly ("memory-safe") {
                mstore(0, 0x40)
                mstore(0x20, 0xffffffff)
                return(0, 0x40)
            }
        }
        if (m == 6) {
            assembly ("memory-safe") {
                mstore(0, "BYTES32NAME")
                return(0, 0x20)
            }
        }
        if (m != 1) return "Meta";
        bytes memory b = new bytes(size);
        bytes1 c = bytes(fill)[0];
        for (uint256 i; i < b.length; ++i) b[i] = c;
        out = string(b);
    }

    function _burnAllGas() private view {
        uint256 x;
        while (gasleft() > 0) x = uint256(keccak256(abi.encode(x)));
    }
}
