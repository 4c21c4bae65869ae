curl 'https://api.notion.com/v1/blocks/ae7be0357ad1418abb8ef0f2d039220c' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
